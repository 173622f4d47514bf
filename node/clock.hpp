#pragma once
/// @file
/// Time as the runtime sees it. Everything that waits (timers, receive timeouts, call
/// deadlines) reads time through a `clock`, so tests can swap in a `manual_clock` and be exact.

#include <atomic>
#include <chrono>

namespace troupe {

using duration = std::chrono::steady_clock::duration;
using time_point = std::chrono::steady_clock::time_point;

class clock {
 public:
  virtual ~clock() = default;
  /// The current time. @threadsafe
  virtual time_point now() const noexcept = 0;
  /// The calendar time, for what must be comparable across nodes (the hybrid clocks that stamp
  /// global registrations and child specs). A manual clock derives it from `now()`, so a
  /// simulation never reads the machine's time. @threadsafe
  virtual std::chrono::system_clock::time_point wall_now() const noexcept { return std::chrono::system_clock::now(); }
};

/// The machine's monotonic clock.
class steady_clock final : public clock {
 public:
  time_point now() const noexcept override { return std::chrono::steady_clock::now(); }
};

/// A clock that moves only when told to. @threadsafe
class manual_clock final : public clock {
 public:
  time_point now() const noexcept override { return time_point(duration(ticks_.load(std::memory_order_acquire))); }
  void advance(duration d) noexcept { ticks_.fetch_add(d.count(), std::memory_order_acq_rel); }
  /// A fixed calendar date (2024-01-01 UTC) plus the time advanced so far.
  std::chrono::system_clock::time_point wall_now() const noexcept override {
    auto since_start = now().time_since_epoch() - std::chrono::hours(1);
    return std::chrono::system_clock::time_point(std::chrono::seconds(1'704'067'200)) +
           std::chrono::duration_cast<std::chrono::system_clock::duration>(since_start);
  }

 private:
  std::atomic<duration::rep> ticks_{duration(std::chrono::hours(1)).count()};
};

}  // namespace troupe
