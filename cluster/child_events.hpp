#pragma once
/// @file
/// `child_event_tracker`: turns successive views of the global children (what
/// `global_supervisor::which_children` returns) into timeline events — a child started, moved
/// from one node to another, restarted, stopped, failed, waiting, removed. The global
/// supervisor's server feeds it each view it publishes; it remembers where each child last ran,
/// so a child that stops with its node and starts elsewhere later reads as "moved A → B".

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "troupe/cluster/event_timeline.hpp"
#include "troupe/cluster/global_supervisor.hpp"

namespace troupe {

class child_event_tracker {
 public:
  /// Records in `out` what changed between the previous view and `now`.
  void observe(const std::vector<global_child_info>& now, event_timeline& out);

 private:
  struct seen {
    std::string node;       ///< where it runs now; empty: nowhere
    std::string last_node;  ///< where it ran last, even if it runs nowhere now
    pid child;
    std::uint32_t restarts = 0;
    bool failed = false;
    std::string waiting;
  };
  std::map<std::string, seen> known_;
};

}  // namespace troupe
