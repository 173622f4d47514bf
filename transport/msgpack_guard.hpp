#pragma once
/// @file
/// `validate_msgpack`: walks one MessagePack value without allocating and checks it against
/// `wire_limits`, so that decoding it afterwards cannot be made to allocate more than the bytes
/// that actually arrived.
///
/// Why: msgpack-c sizes its arrays from the header's claimed count before reading the elements,
/// so a 10-byte frame claiming nested arrays of 2^32 elements would make it allocate gigabytes.
/// Here every claimed count must fit in the bytes that remain (each element takes at least one
/// byte), nesting is bounded, and blobs are bounded, all in one linear pass.

#include <cstddef>
#include <optional>
#include <string>

#include "troupe/transport/wire_limits.hpp"

namespace troupe::transport {

struct msgpack_check {
  /// Bytes the value takes (valid when `error` is empty).
  std::size_t size = 0;
  /// Why the input is rejected; empty when it is a complete, acceptable value.
  std::string error;
  [[nodiscard]] bool ok() const noexcept { return error.empty(); }
};

/// Checks the one MessagePack value that starts at `data`.
msgpack_check validate_msgpack(const char* data, std::size_t len, const wire_limits& limits);

}  // namespace troupe::transport
