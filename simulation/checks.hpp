#pragma once
/// @file
/// The invariants checked at the end of every run (after the full heal and the quiet period),
/// from the world's final state and the run's history. Each returns the violations it found,
/// as sentences.
///
/// - nodes: every node runs its system processes (membership, registry, global supervisor)
///   and sees every other node up;
/// - names: every node's replica holds the same names, each held by a live process;
/// - children: each global child runs exactly once, and every node agrees where; while it
///   ran, no child ever ran twice (where the global supervisor claims it, see history.hpp);
/// - monitors: no monitor fired twice; every monitor on a process now dead fired once;
/// - streams: messages of one sender to one receiver arrived in order, without duplicates,
///   and every gap is covered by a noconnection the sender saw between the lost message and
///   the next one that arrived.

#include <string>
#include <vector>

#include "simulation/world.hpp"

namespace troupe::sim {

std::vector<std::string> check_nodes(world& w);
std::vector<std::string> check_names(world& w);
std::vector<std::string> check_children(world& w, std::size_t children);
std::vector<std::string> check_monitors(world& w);
std::vector<std::string> check_streams(world& w);

}  // namespace troupe::sim
