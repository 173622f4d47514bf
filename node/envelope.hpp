#pragma once
/// @file
/// `envelope`: one message or signal on its way to a process.
///
/// An envelope is allocated once by the sender and moved, as a pointer, through the receiver's
/// mailbox: a local send never copies or serializes the payload. The payload lives in the same
/// allocation (`message_envelope<T>`), so one message costs one allocation.

#include <atomic>
#include <cstdint>
#include <memory>
#include <new>
#include <utility>

#include "troupe/node/envelope_pool.hpp"
#include "troupe/node/pid.hpp"

namespace troupe {

struct message_type;

/// The intrusive link of every queue of envelopes. A mailbox's stub is only this, not a whole
/// envelope, which keeps an idle process small.
struct queue_node {
  /// @note Owned by whichever queue holds the node.
  std::atomic<queue_node*> next{nullptr};
};

struct envelope : queue_node {
  /// What the payload is; never null.
  const message_type* type;
  /// The sending process, or the null pid for a send from outside any process.
  pid from;
  /// Non-zero for a call (the caller's request ref) or a reply (the same ref with `reply_bit`).
  std::uint64_t correlation = 0;

  static constexpr std::uint64_t reply_bit = std::uint64_t(1) << 63;
  [[nodiscard]] bool is_call() const noexcept { return correlation != 0 && (correlation & reply_bit) == 0; }
  [[nodiscard]] bool is_reply() const noexcept { return (correlation & reply_bit) != 0; }

  explicit envelope(const message_type* t, pid sender = {}) noexcept : type(t), from(sender) {}
  /// The next envelope in a queue only one thread touches (a process's local queue).
  [[nodiscard]] envelope* next_envelope() const noexcept {
    return static_cast<envelope*>(next.load(std::memory_order_relaxed));
  }
  envelope(const envelope&) = delete;
  envelope& operator=(const envelope&) = delete;
};

template <class T>
struct message_envelope final : envelope {
  T value;
  template <class... Args>
  explicit message_envelope(const message_type* t, pid sender, Args&&... args)
      : envelope(t, sender), value(std::forward<Args>(args)...) {}

  // Small envelopes recycle their memory through per-thread pools (envelope_pool.hpp); the
  // aligned forms serve over-aligned payloads, which the pool does not.
  static void* operator new(std::size_t n) { return detail::allocate_envelope(n); }
  static void operator delete(void* p, std::size_t n) noexcept { detail::free_envelope(p, n); }
  static void* operator new(std::size_t n, std::align_val_t a) { return ::operator new(n, a); }
  static void operator delete(void* p, std::size_t, std::align_val_t a) noexcept { ::operator delete(p, a); }
};

/// Destroys an envelope through its type's destructor (envelopes have no vtable).
void destroy_envelope(envelope* e) noexcept;

struct envelope_deleter {
  void operator()(envelope* e) const noexcept { destroy_envelope(e); }
};

/// Owning pointer to an envelope.
using envelope_ptr = std::unique_ptr<envelope, envelope_deleter>;

}  // namespace troupe
