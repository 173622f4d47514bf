#pragma once
/// @file
/// `workload`: what the simulated cluster is asked to do while the nemesis breaks it.
///
/// - Global children (`sim.child`), started at the beginning from random nodes, some with a
///   global name.
/// - Global names: placeholders registered as `name-0` .. `name-5` on random nodes (so
///   registrations collide, and partitions make conflicts), some killed again.
/// - Monitors across nodes: watchers on one node monitoring placeholders on another, some of
///   whose targets are killed.
/// - Sequenced streams between two processes on two nodes.
/// Operations run on nodes that are up and not paused, until `stop_at`.

#include <vector>

#include "simulation/world.hpp"

namespace troupe::sim {

class workload {
 public:
  workload(world& w, duration stop_at) : world_(w), stop_at_(stop_at) {}
  /// Acts (called every virtual millisecond).
  void act();

  static constexpr std::size_t children = 4;
  static constexpr std::size_t names = 6;

 private:
  [[nodiscard]] std::optional<std::size_t> some_node();
  void start_children();
  void register_name();
  void kill_one(std::vector<pid>& among, const char* what);
  void watch();
  void stream();

  world& world_;
  duration stop_at_;
  bool children_started_ = false;
  std::vector<pid> holders_;
  std::vector<pid> targets_;
};

}  // namespace troupe::sim
