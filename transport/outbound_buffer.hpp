#pragma once
/// @file
/// `outbound_buffer`: the frames waiting to go to one peer, already laid out as ZeroMQ batches.
///
/// A sending thread encodes its message, then appends it here under a short lock: the type is
/// interned for this connection (a TYPE frame goes first the first time), and the frame is added
/// to the open batch. The I/O thread takes whole batches and sends each as one ZeroMQ message,
/// so a deep queue costs one syscall per batch instead of one per message.
///
/// Flow control (Erlang's busy distribution port): the queue is *busy* from when its bytes reach
/// `busy_bytes` until they fall to half of that; senders that see it busy are suspended
/// (transport/send_gate.hpp), so a live connection loses nothing and memory stays bounded.
/// Bounded hard in messages and bytes as well: `append` refuses past either (only a sender that
/// cannot be suspended gets there), and the caller reports it.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
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

/// What `append` did: false when refused (the queue is full); `busy` when the queue is above its
/// high-water mark after it, so the sender should be suspended.
struct append_outcome {
  bool accepted = false;
  bool busy = false;
  explicit operator bool() const noexcept { return accepted; }
};

/// What the end of a session leaves to count (outbound_buffer::reset).
struct session_tally {
  /// Queued, or taken but never handed to ZeroMQ.
  std::size_t dropped = 0;
  /// Handed to ZeroMQ during the session.
  std::uint64_t handed = 0;
  /// Of `handed`, what the peer did not confirm; 0 for a peer that sends no receipts.
  [[nodiscard]] std::uint64_t unconfirmed(std::optional<std::uint64_t> confirmed) const noexcept {
    return confirmed ? handed - std::min<std::uint64_t>(*confirmed, handed) : 0;
  }
};

class outbound_buffer {
 public:
  explicit outbound_buffer(const transport_config& config) : config_(config) {}

  /// Appends a message frame whose tail (to, from, correlation, body) is `tail`. @threadsafe
  append_outcome append(const message_type& type, const char* tail, std::size_t len);
  /// Appends a control frame already encoded (heartbeat, bye). @threadsafe
  void append_control(const char* frame, std::size_t len);
  /// Moves every batch with content into `out`. @threadsafe (the I/O thread calls it)
  void take(std::vector<batch>& out);
  /// Accounts for batches that left (or were dropped) after `take`. True when this took the
  /// queue from busy to below its low-water mark: the caller opens the peer's send gate.
  /// @threadsafe
  bool release(std::size_t bytes, std::size_t messages);
  /// `messages` of what was taken went to ZeroMQ (for the session's tally). @threadsafe
  void handed(std::size_t messages);
  /// Starts a new session: drops what is queued, forgets type ids. Returns the messages dropped
  /// (those queued here and those taken but not yet released — held by the I/O thread because
  /// ZeroMQ would have blocked, or by link faults — all that never reached ZeroMQ) and those
  /// handed to ZeroMQ since the last reset.
  session_tally reset();
  [[nodiscard]] bool empty() const;
  [[nodiscard]] std::size_t queued_messages() const;
  [[nodiscard]] std::size_t queued_bytes() const;
  /// Above the high-water mark and not yet back under the low-water mark. Lock-free. @threadsafe
  [[nodiscard]] bool busy() const noexcept { return busy_.load(std::memory_order_acquire); }

 private:
  const transport_config& config_;
  mutable std::mutex mutex_;
  std::vector<batch> batches_;
  std::unordered_map<const message_type*, std::uint32_t> type_ids_;
  std::uint32_t next_type_id_ = 1;
  std::size_t bytes_ = 0;     // queued here or taken and not yet released
  std::size_t messages_ = 0;
  std::uint64_t handed_ = 0;  // to ZeroMQ, this session  // same
  std::atomic<bool> busy_{false};  // written under mutex_
};

}  // namespace troupe::transport
