#pragma once
/// @file
/// `global_entry`: one name of the distributed registry — who holds it, and since when.
///
/// Entries travel between registry servers as they are (MessagePack), so every replica compares
/// exactly the same values when it resolves a conflict (see `conflict_policy.hpp`).

#include <cstdint>
#include <string>

#include "troupe/node/message_type.hpp"
#include "troupe/node/msgpack_adaptors.hpp"
#include "troupe/node/pid.hpp"

namespace troupe {

struct global_entry {
  std::string name;
  /// The holder. Its node is the entry's owner: only that node's server announces or withdraws it.
  pid holder;
  /// Registration time on the owner's hybrid logical clock, in microseconds since the Unix epoch
  /// (see `global_clock`).
  std::uint64_t stamp = 0;
  MSGPACK_DEFINE(name, holder, stamp);

  friend bool operator==(const global_entry&, const global_entry&) = default;
};

}  // namespace troupe
