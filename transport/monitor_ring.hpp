#pragma once
/// @file
/// `monitor_ring`: which members a node's failure detector watches, so that the detector's
/// periodic work and traffic per node stay constant however large the cluster grows
/// (docs/membership.md, "Failure detection at scale").
///
/// The members (this node included) are put on a ring in the order of their names; each node
/// watches the `k` members that follow it, so each member is watched by the `k` that precede
/// it. Every node computes the ring from its own view of the members that are up; views that
/// disagree for a moment (a join, a loss) only shift who watches whom, because a watcher asks
/// the watched member for heartbeats explicitly (HEARTBEAT's watch flag) rather than relying on both
/// computing the same ring. With `k` >= members - 1 every node watches every other: a cluster of
/// at most k + 1 members behaves as a full mesh of detectors.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace troupe::transport {

/// The members `self` watches: the `k` that follow it on the ring of `members` (sorted by name,
/// unique; `self` among them or not), nearest first, never `self`. All others when fewer.
[[nodiscard]] std::vector<std::string> ring_successors(std::string_view self, std::span<const std::string> members,
                                                       std::size_t k);

/// The members that watch `self`: the `k` that precede it on the ring, nearest first.
[[nodiscard]] std::vector<std::string> ring_predecessors(std::string_view self, std::span<const std::string> members,
                                                         std::size_t k);

}  // namespace troupe::transport
