#pragma once
/// @file
/// `gs::takeover_holds`: what a lost node may still run, so that no child starts elsewhere
/// before the takeover grace has passed (see "Failover" in docs/global_supervisor.md), and which
/// starts are failovers. Pure. Owning server only.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "troupe/node/clock.hpp"

namespace troupe::gs {

class takeover_holds {
 public:
  /// `node` was lost (down, not left) at `now`, reporting `running`: it may be cut off, not
  /// dead, so none of those starts before `now + grace`.
  void lost(const std::string& node, const std::vector<std::string>& running, time_point now, duration grace);
  /// A peer was lost before its sync arrived: it may have run any child, so none starts before
  /// `until`.
  void lost_unknown(time_point until) { unknown_until_ = until; }
  /// Drops the holds and losses older than the grace.
  void expire(time_point now, duration grace);
  /// A hold forbids starting `id` now (a hold on it, or on every child).
  [[nodiscard]] bool holds(const std::string& id, time_point now) const {
    return hold_until_.contains(id) || now < unknown_until_;
  }
  /// Nodes lost less than the grace ago, with when.
  [[nodiscard]] const std::map<std::string, time_point>& recently_lost() const noexcept { return lost_at_; }
  /// `id` runs on another node now: a start here would not be a failover.
  void taken_over(const std::string& id) { orphaned_.erase(id); }
  /// `id` starts here: true when it ran on a lost node (a failover), counted once.
  bool claim_failover(const std::string& id) { return orphaned_.erase(id) > 0; }

 private:
  std::map<std::string, time_point> lost_at_;     ///< nodes lost (down, not left) recently
  std::map<std::string, time_point> hold_until_;  ///< child id → not before
  time_point unknown_until_{};
  std::set<std::string> orphaned_;  ///< ids that ran on a lost node
};

}  // namespace troupe::gs
