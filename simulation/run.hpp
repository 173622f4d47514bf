#pragma once
/// @file
/// `run_seed`: one whole simulation run — a cluster of 3 to 5 nodes, the workload, the nemesis
/// for `faults` of virtual time, a full heal, a quiet period, then every check — decided by
/// the seed alone.

#include <cstdint>
#include <string>
#include <vector>

#include "troupe/node/clock.hpp"

namespace troupe::sim {

struct run_options {
  /// Nodes in the cluster; 0: 3 to 5, drawn from the seed.
  std::size_t nodes = 0;
  /// Virtual time during which the nemesis and the workload act.
  duration faults = std::chrono::seconds(20);
  /// Virtual time after the full heal before the checks.
  duration quiet = std::chrono::seconds(15);
  /// When one more node (beyond `nodes`) joins: started then, seeded with the first node only,
  /// under whatever faults are on; zero: no node joins.
  duration join_at = duration::zero();
};

struct run_result {
  std::uint64_t seed = 0;
  std::size_t nodes = 0;
  std::vector<std::string> violations;  ///< empty: the run passed
  std::vector<std::string> notes;       ///< things worth knowing that are not failures
  std::vector<std::string> faults;      ///< the nemesis's schedule, readable
  std::vector<std::string> events;      ///< the run's log, stamped with virtual time
  std::uint64_t trace_hash = 0;
  std::uint64_t steps = 0;
  [[nodiscard]] bool ok() const noexcept { return violations.empty(); }
};

run_result run_seed(std::uint64_t seed, const run_options& options = {});

}  // namespace troupe::sim
