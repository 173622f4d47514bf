#pragma once
/// @file
/// `history`: what happened during one simulation run — a readable event log, and the records
/// the invariant checks read (who ran which global child when, every cross-node monitor and
/// how it fired, every sequenced stream between two processes).
///
/// The simulation is single-threaded, so the workload's processes write here directly from
/// their handlers; `current_history()` lets processes built by name (global children) find it.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "troupe/node/clock.hpp"
#include "troupe/node/pid.hpp"

namespace troupe::sim {

class history {
 public:
  /// A line of the readable log, stamped with virtual time since the run began.
  struct event {
    duration at;
    std::string text;
  };
  void note(std::string text) { events.push_back({now - start, std::move(text)}); }

  time_point start{};
  time_point now{};  ///< kept current by the world
  std::vector<event> events;

  // --- global children ---------------------------------------------------------------------
  /// Child id -> the processes running it now.
  std::map<std::string, std::set<pid>> running;
  /// Two copies of one child running at once, as seen while running.
  std::vector<std::string> duplicates;
  /// False once a fault outside the global supervisor's no-duplicate claim happened (a
  /// one-way cut, see docs/global_supervisor.md): duplicates are then reported, not failures.
  bool exclusivity_claimed = true;
  void child_started(const std::string& id, const pid& p);
  void child_stopped(const std::string& id, const pid& p);

  // --- monitors ----------------------------------------------------------------------------
  struct monitor_record {
    pid watcher, target;
    std::uint32_t fired = 0;
    std::string reasons;
  };
  std::map<std::pair<pid, std::uint64_t>, monitor_record> monitors;  ///< (watcher, ref)

  // --- sequenced streams -------------------------------------------------------------------
  struct stream {
    std::vector<std::uint64_t> received;  ///< in arrival order
    std::vector<std::uint64_t> breaks;    ///< for each noconnection: the last seq sent before it
    std::uint64_t sent = 0;
  };
  std::map<std::pair<pid, pid>, stream> streams;  ///< (sender, receiver)

  /// Processes of the workload that died of an exception (a bug in the code under test or in
  /// the workload).
  std::vector<std::string> crashes;
};

/// The history of the run in progress on this thread (null outside a run).
history* current_history() noexcept;
void set_current_history(history* h) noexcept;

}  // namespace troupe::sim
