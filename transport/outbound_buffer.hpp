#pragma once
/// @file
/// `outbound_buffer`: the frames waiting to go to one peer, already laid out as ZeroMQ batches.
///
/// A sending thread encodes its message, then appends it here under a short lock: the type is
/// interned for this connection (a TYPE frame goes first the first time), and the frame is added
/// to the open batch. The I/O thread takes whole batches and sends each as one ZeroMQ message,
/// so a deep queue costs one syscall per batch instead of one per message.
///
/// Bounded in messages and bytes: `append` refuses past either, and the caller reports it.

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "troupe/node/message_type.hpp"
#include "troupe/transport/transport_config.hpp"

namespace troupe::transport {

struct batch {
  std::string bytes;
  std::uint32_t messages = 0;
};

class outbound_buffer {
 public:
  explicit outbound_buffer(const transport_config& config) : config_(config) {}

  /// Appends a message frame whose tail (to, from, correlation, body) is `tail`.
  /// False when the queue is full. @threadsafe
  bool append(const message_type& type, const char* tail, std::size_t len);
  /// Appends a control frame already encoded (heartbeat, bye). @threadsafe
  void append_control(const char* frame, std::size_t len);
  /// Moves every batch with content into `out`. @threadsafe (the I/O thread calls it)
  void take(std::vector<batch>& out);
  /// Accounts for batches that left (or were dropped) after `take`. @threadsafe
  void release(std::size_t bytes, std::size_t messages);
  /// Starts a new session: drops what is queued, forgets type ids. Returns messages dropped.
  std::size_t reset();
  [[nodiscard]] bool empty() const;
  [[nodiscard]] std::size_t queued_messages() const;

 private:
  const transport_config& config_;
  mutable std::mutex mutex_;
  std::vector<batch> batches_;
  std::unordered_map<const message_type*, std::uint32_t> type_ids_;
  std::uint32_t next_type_id_ = 1;
  std::size_t bytes_ = 0;     // queued here or taken and not yet released
  std::size_t messages_ = 0;  // same
};

}  // namespace troupe::transport
