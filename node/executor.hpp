#pragma once
/// @file
/// `executor`: what runs processes. The runtime asks it to run a process's turn and to wake the
/// timer queue at a deadline; it does not care whether that happens on a pool of threads
/// (`asio_executor`) or one step at a time under a test's control (`stepped_executor`).

#include <functional>

#include "troupe/node/clock.hpp"

namespace troupe {

class actor;

class executor {
 public:
  virtual ~executor() = default;
  /// Runs one turn of `a` soon. The caller has added a reference, which the turn releases.
  /// @threadsafe
  virtual void schedule(actor* a) noexcept = 0;
  /// Calls the timer callback (given at construction) at or after `deadline`. @threadsafe
  virtual void arm_timer(time_point deadline) = 0;
  /// Stops accepting work and joins every thread it started. Idempotent.
  virtual void stop() = 0;
  /// True on a thread that this executor runs turns on.
  [[nodiscard]] virtual bool on_worker_thread() const noexcept = 0;
};

namespace detail {
/// Runs one turn of a scheduled process and drops the scheduling reference.
void run_turn(actor* a) noexcept;
}  // namespace detail

}  // namespace troupe
