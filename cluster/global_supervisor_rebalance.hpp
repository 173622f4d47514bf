#pragma once
/// @file
/// `gs::rebalance_budget`: how many running children rebalancing may still move (stop here, so
/// that their owner starts them) this second. Moving a child costs a restart, so a node that
/// joins takes over its share gradually (see "Rebalancing" in docs/global_supervisor.md). Pure.

#include <chrono>
#include <cstddef>

#include "troupe/node/clock.hpp"

namespace troupe::gs {

class rebalance_budget {
 public:
  /// Takes one move from the budget of the second under way at `now`; false when it is spent.
  bool take(time_point now, std::size_t per_second) {
    if (now >= window_ + std::chrono::seconds(1)) {
      window_ = now;
      used_ = 0;
    }
    if (used_ >= per_second) return false;
    ++used_;
    return true;
  }

 private:
  time_point window_{};
  std::size_t used_ = 0;
};

}  // namespace troupe::gs
