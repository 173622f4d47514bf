#pragma once
/// @file
/// Limits on what a peer may send, checked before anything is allocated for it.

#include <cstddef>
#include <cstdint>

namespace troupe::transport {

struct wire_limits {
  /// Largest ZeroMQ message (one batch of frames) accepted; larger ones are refused by ZeroMQ
  /// itself (ZMQ_MAXMSGSIZE), which drops the connection.
  std::size_t max_message_bytes = 16 * 1024 * 1024;
  /// Deepest nesting of arrays and maps inside one frame.
  std::size_t max_depth = 32;
  /// Most elements one array or map header may claim.
  std::size_t max_container = 1 << 20;
  /// Most bytes one str, bin or ext may claim.
  std::size_t max_blob = 8 * 1024 * 1024;
};

}  // namespace troupe::transport
