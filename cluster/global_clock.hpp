#pragma once
/// @file
/// `global_clock`: the hybrid logical clock that stamps what a node replicates — the global
/// registry's registrations (registry/conflict_policy.hpp) and the global supervisor's child
/// specs and snapshots. It lives in cluster/ so that both use this one (registry/ is above).
///
/// A stamp is wall-clock microseconds, raised to one more than the largest stamp this node has
/// issued or received when the wall clock is behind it. So a write made after a node saw
/// another one always carries a larger stamp, even across skewed clocks, and stamps stay close
/// to real time. Stamps only order conflicts; correctness never depends on the clocks agreeing.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>

#include "troupe/node/clock.hpp"

namespace troupe {

class global_clock {
 public:
  /// Reads wall time from `time` (the node's clock: a simulation's is virtual).
  explicit global_clock(const clock& time) : time_(time) {}

  /// A fresh stamp, larger than every stamp issued or observed before. @threadsafe
  std::uint64_t next() noexcept {
    std::uint64_t last = last_.load(std::memory_order_relaxed);
    for (;;) {
      std::uint64_t stamp = std::max(wall_micros(), last + 1);
      if (last_.compare_exchange_weak(last, stamp, std::memory_order_relaxed)) return stamp;
    }
  }
  /// Moves the clock past a stamp received from another node. @threadsafe
  void observe(std::uint64_t stamp) noexcept {
    std::uint64_t last = last_.load(std::memory_order_relaxed);
    while (last < stamp && !last_.compare_exchange_weak(last, stamp, std::memory_order_relaxed)) {
    }
  }

 private:
  std::uint64_t wall_micros() const noexcept {
    return std::uint64_t(
        std::chrono::duration_cast<std::chrono::microseconds>(time_.wall_now().time_since_epoch()).count());
  }
  const clock& time_;
  std::atomic<std::uint64_t> last_{0};
};

}  // namespace troupe
