#pragma once
/// @file
/// What the global supervisor's server publishes for the `global_supervisor` handle, read on
/// other threads, and the version clock both write with. Internal to cluster/.

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "troupe/cluster/global_clock.hpp"
#include "troupe/cluster/global_supervisor.hpp"
#include "troupe/cluster/global_supervisor_messages.hpp"

namespace troupe::gs {

struct shared_state {
  /// `time`: the node's clock (virtual in a simulation), where versions read wall time.
  explicit shared_state(const troupe::clock& time) : clock(time) {}

  mutable std::mutex mutex;
  std::map<std::string, child_record> specs;  ///< guarded by mutex
  std::vector<global_child_info> children;    ///< guarded by mutex
  std::vector<std::pair<std::string, pid>> local;
  std::map<std::string, pid> names;
  std::map<std::string, std::vector<char>> snapshots;  ///< child id → newest snapshot held here
  std::condition_variable changed;  ///< notified on every publish (drain waits on it)
  bool draining = false;             ///< the server has begun draining
  std::size_t placeable_peers = 0;   ///< peers children may move to
  std::set<std::string> cluster_types;  ///< types hosted here or by any peer synced with
  /// Versions of specs and snapshots (the same hybrid clock as the global registry's). @threadsafe
  global_clock clock;
  /// Children this node started because the node running them was lost (not left or drained).
  std::atomic<std::uint64_t> failovers{0};
};

}  // namespace troupe::gs
