#pragma once
/// @file
/// `stepped_executor`: runs nothing until told to, one process turn at a time, in FIFO order,
/// on the caller's thread. With a `manual_clock` it makes a test (or a whole simulated cluster)
/// exact and reproducible. Timers fire only when the test advances the clock.

#include <deque>
#include <mutex>

#include "troupe/node/executor.hpp"

namespace troupe {

class stepped_executor final : public executor {
 public:
  ~stepped_executor() override;

  void schedule(actor* a) noexcept override;
  void arm_timer(time_point) override {}
  /// Runs every queued turn (including turns they queue), then releases nothing. Idempotent.
  void stop() override;
  [[nodiscard]] bool on_worker_thread() const noexcept override { return running_; }

  /// Runs the oldest queued turn. False if none was queued.
  bool dispatch_next();
  /// Runs turns until none is queued or `limit` ran. Returns how many ran.
  std::size_t run_until_idle(std::size_t limit = 10'000'000);
  /// Turns waiting to run.
  [[nodiscard]] std::size_t pending() const;

 private:
  mutable std::mutex mutex_;
  std::deque<actor*> queue_;
  bool running_ = false;
};

}  // namespace troupe
