#include "troupe/cluster/global_supervisor_ownership.hpp"

#include <algorithm>

namespace troupe::gs {

std::optional<std::string> ownership::owner(const child_record& r, const std::vector<std::string>& members) const {
  auto hosting = [&](const std::string& m) { return view_.hosts(m, r.type); };
  if (std::all_of(members.begin(), members.end(), hosting))  // the usual case: no copy
    return placement_->owner({r.id, r.preferred, r.pinned}, members);
  std::vector<std::string> able;
  std::copy_if(members.begin(), members.end(), std::back_inserter(able), hosting);
  return placement_->owner({r.id, r.preferred, r.pinned}, able);
}

/// A running child stays where it is while its node is placeable: placement decides where a
/// child starts, not where it must be. The exceptions below.
keep_verdict ownership::keeps(const child_record& r, const std::vector<std::string>& members) const {
  const auto& me = view_.me();
  auto o = owner(r, members);
  if (!o) return keep_verdict::stop;  // pinned, and none of its nodes is placeable (this one included)
  if (*o == me) return keep_verdict::keep;
  // Two copies (a partition healed without quorum): the one placement prefers between the two stays.
  for (auto& n : members) {
    if (n == me || !replica_.runs(n, r.id)) continue;
    std::vector<std::string> pair{me, n};
    std::sort(pair.begin(), pair.end());
    if (owner(r, pair) == n) return keep_verdict::stop;
  }
  // Preferences outrank stickiness: a preferred node is up and this one is not preferred.
  auto preferred = [&](const std::string& n) { return std::find(r.preferred.begin(), r.preferred.end(), n) != r.preferred.end(); };
  if (!r.preferred.empty() && !preferred(me) && preferred(*o)) return keep_verdict::stop;
  return keep_verdict::movable;
}

/// It was reported there, or that node would own it (it may have started it before telling
/// us), or that node was lost before its sync arrived (it may run anything).
bool ownership::held(const child_record& r, const std::vector<std::string>& members, time_point now) const {
  if (holds_.holds(r.id, now)) return true;
  const auto& lost = holds_.recently_lost();
  if (lost.empty()) return false;
  auto wider = members;
  for (auto& [n, at] : lost) wider.push_back(n);
  std::sort(wider.begin(), wider.end());
  wider.erase(std::unique(wider.begin(), wider.end()), wider.end());
  auto o = owner(r, wider);
  return o && lost.contains(*o);
}

std::string ownership::waiting_reason(const child_record& r, const std::vector<std::string>& members) const {
  if (std::none_of(members.begin(), members.end(), [&](const std::string& m) { return view_.hosts(m, r.type); }))
    return "no live node hosts actor type '" + r.type + "'";
  if (r.pinned && !owner(r, members)) return "none of its pinned nodes is up";
  return {};
}

std::optional<std::string> ownership::successor(const child_record& r, std::vector<std::string> placeable) const {
  std::erase(placeable, view_.me());
  return owner(r, placeable);
}

}  // namespace troupe::gs
