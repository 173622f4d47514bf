#pragma once
/// @file
/// `nemesis`: the faults of one run, drawn from the seed up front, applied on schedule.
///
/// Faults follow one another with a quiet gap between them (0.3-2 s): a partition into two
/// halves, one node isolated, a one-way cut, a paused node, a crashed node (restarted when the
/// fault ends, with a new creation), or a flaky node (its links drop, duplicate and delay
/// packets). At `heal_at` everything is healed: links clear, paused nodes resume, crashed
/// nodes restart.

#include <string>
#include <vector>

#include "simulation/world.hpp"

namespace troupe::sim {

struct fault {
  enum kind_t : std::uint8_t { halves, isolate, one_way, pause, crash, flaky } kind;
  duration start{}, length{};
  std::vector<std::size_t> side;  ///< halves: one side; isolate/pause/crash/flaky: the node
  std::size_t from = 0, to = 0;   ///< one_way: packets from -> to are lost
  double drop = 0, duplicate = 0;
  duration delay{};
  [[nodiscard]] std::string describe(const world& w) const;
};

class nemesis {
 public:
  /// Draws the faults of a run whose faults end by `heal_at`.
  nemesis(world& w, duration heal_at);
  /// Applies what is due now (called every virtual millisecond).
  void act();
  [[nodiscard]] const std::vector<fault>& schedule() const noexcept { return faults_; }

 private:
  void begin(const fault& f);
  void end(const fault& f);
  void heal_all();
  void set_links(const fault& f, bool on);

  world& world_;
  duration heal_at_;
  std::vector<fault> faults_;
  std::size_t next_begin_ = 0, next_end_ = 0;
  bool healed_ = false;
};

}  // namespace troupe::sim
