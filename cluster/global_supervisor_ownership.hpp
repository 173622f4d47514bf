#pragma once
/// @file
/// `gs::ownership`: the global supervisor's placement decisions — who owns a child among some
/// members (only those hosting its type), whether a child running here stays, whether a lost
/// node may still run it, why it runs nowhere, and who takes it over next. Deterministic and
/// side-effect free: it reads the view, the replica and the holds, and the server acts on its
/// answers (see "Failover" in docs/global_supervisor.md).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "troupe/cluster/global_supervisor_holds.hpp"
#include "troupe/cluster/global_supervisor_replica.hpp"
#include "troupe/cluster/global_supervisor_view.hpp"
#include "troupe/cluster/placement.hpp"

namespace troupe::gs {

/// Whether a child running here stays.
enum class keep_verdict {
  keep,
  stop,
  /// It stays unless rebalancing moves it: its owner is another placeable member.
  movable,
};

class ownership {
 public:
  ownership(std::shared_ptr<const placement_strategy> placement, const cluster_view& view,
            const spec_replica& replica, const takeover_holds& holds)
      : placement_(std::move(placement)), view_(view), replica_(replica), holds_(holds) {}

  /// The member of `members` (sorted) that runs `r`, among those that host its type.
  [[nodiscard]] std::optional<std::string> owner(const child_record& r, const std::vector<std::string>& members) const;
  /// Whether `r`, running here, stays (`members`: the placeable view).
  [[nodiscard]] keep_verdict keeps(const child_record& r, const std::vector<std::string>& members) const;
  /// Whether `r` may still run on a node lost less than the grace ago.
  [[nodiscard]] bool held(const child_record& r, const std::vector<std::string>& members, time_point now) const;
  /// Why `r` runs nowhere among `members`, if that is not just its start pending.
  [[nodiscard]] std::string waiting_reason(const child_record& r, const std::vector<std::string>& members) const;
  /// The member that would own `r` if this node were gone (`placeable`: the placeable view).
  [[nodiscard]] std::optional<std::string> successor(const child_record& r, std::vector<std::string> placeable) const;

 private:
  std::shared_ptr<const placement_strategy> placement_;
  const cluster_view& view_;
  const spec_replica& replica_;
  const takeover_holds& holds_;
};

}  // namespace troupe::gs
