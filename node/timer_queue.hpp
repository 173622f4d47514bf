#pragma once
/// @file
/// `timer_queue`: deadlines waiting to fire, ordered by time, cancellable in O(log n).
///
/// The queue only orders and fires; what drives it is the executor: a real executor arms one
/// Asio timer for the earliest deadline, the stepped executor fires due timers when a test
/// advances the manual clock.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "troupe/node/clock.hpp"

namespace troupe {

/// Shared by a timer's handle and the queue: decides, once, between delivering and cancelling.
struct timer_state {
  enum phase : int { pending, fired, delivered, cancelled };
  std::atomic<int> phase{pending};
  std::uint64_t key_seq = 0;
  time_point key_deadline{};

  /// pending -> fired, by the queue when the deadline passes.
  bool try_fire() noexcept;
  /// fired -> delivered, by the receiver just before it handles the message.
  bool try_deliver() noexcept;
  /// pending|fired -> cancelled. True if the timer will now never deliver.
  bool try_cancel() noexcept;
};

/// A started timer. Copyable; cancelling any copy cancels the timer.
class timer_handle {
 public:
  timer_handle() = default;
  explicit timer_handle(std::shared_ptr<timer_state> s) : state_(std::move(s)) {}
  /// True while the timer can still deliver (not yet handled, not cancelled).
  [[nodiscard]] bool active() const noexcept;
  [[nodiscard]] const std::shared_ptr<timer_state>& state() const noexcept { return state_; }
  explicit operator bool() const noexcept { return state_ != nullptr; }

 private:
  std::shared_ptr<timer_state> state_;
};

class timer_queue {
 public:
  using callback = std::function<void()>;

  /// Queues `fn` to run at `deadline`. Returns true when it is now the earliest deadline, so the
  /// caller must re-arm its driver. @threadsafe
  bool schedule(time_point deadline, const std::shared_ptr<timer_state>& state, callback fn);
  /// Removes a pending timer (its callback will not run). @threadsafe
  void erase(timer_state& state);
  /// Runs, outside the lock, the callbacks of every timer due at `now`. Returns how many ran.
  /// @threadsafe
  std::size_t fire_due(time_point now);
  /// The earliest pending deadline. @threadsafe
  [[nodiscard]] std::optional<time_point> next_deadline() const;
  [[nodiscard]] std::size_t size() const;

 private:
  struct entry {
    std::shared_ptr<timer_state> state;
    callback fn;
  };
  mutable std::mutex mutex_;
  std::map<std::pair<time_point, std::uint64_t>, entry> entries_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace troupe
