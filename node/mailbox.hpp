#pragma once
/// @file
/// `mailbox`: a lock-free, intrusive, multi-producer / single-consumer queue of envelopes
/// (Dmitry Vyukov's MPSC node queue).
///
/// A push is one atomic exchange plus one store; a pop touches only the consumer's side. The
/// mailbox is not padded to cache lines: it lives inside every process, idle ones too, and the
/// owning `actor` places it so that the producers' end shares a line with the other fields
/// senders touch anyway (reference count, scheduled flag) and not with the consumer's.
/// One caveat of this algorithm: while a producer is between its two steps, `try_pop` may return
/// nothing although `empty()` is false; callers treat that as "try again later", never as loss.

#include <atomic>
#include <cstdint>

#include "troupe/node/envelope.hpp"

namespace troupe {

class mailbox {
 public:
  mailbox() noexcept;
  mailbox(const mailbox&) = delete;
  mailbox& operator=(const mailbox&) = delete;
  /// Destroys every envelope still queued. @note Owning actor only.
  ~mailbox();

  /// Appends an envelope; takes ownership. @threadsafe
  void push(envelope* e) noexcept;
  /// Removes the oldest envelope, or returns null. @note Owning actor only.
  envelope* try_pop() noexcept;
  /// True when nothing is queued or being queued. @note Owning actor only.
  [[nodiscard]] bool empty() const noexcept;
  /// True when no producer has queued anything since the consumer last found the queue empty.
  /// Reads only the producers' end, so it stays safe after the consumer gave up its turn
  /// (another thread may be consuming by then). @threadsafe
  [[nodiscard]] bool untouched_since_empty() const noexcept;
  /// Envelopes pushed and not yet popped (approximate while producers run). @threadsafe
  [[nodiscard]] std::uint64_t size() const noexcept;

 private:
  void append(queue_node* n) noexcept;

  // Producers' end.
  std::atomic<queue_node*> tail_;
  std::atomic<std::uint64_t> pushed_{0};
  // Consumer's end.
  queue_node* head_;
  std::atomic<std::uint64_t> popped_{0};
  queue_node stub_;
};

}  // namespace troupe
