#include "troupe/cluster/global_supervisor_view.hpp"

#include <algorithm>

namespace troupe::gs {

void cluster_view::apply(const member_event& e, time_point now) {
  const bool reachable = e.state == "up" || e.state == "suspect";
  if (reachable) up_.insert(e.name);
  else up_.erase(e.name);
  if (e.state == "left") left_.insert(e.name);
  else left_.erase(e.name);
  if (known_.insert(e.name).second) learnt_[e.name] = now;
  if (reachable && synced_.contains(e.name)) seen_.insert(e.name);
  // A new incarnation (or a healed peer) says again whether it drains, in its sync.
  if (!reachable) draining_peers_.erase(e.name);
}

void cluster_view::synced_with(const std::string& peer, std::vector<std::string> view,
                               std::vector<std::string> types, bool draining) {
  if (draining) draining_peers_.insert(peer);
  peer_views_[peer] = std::move(view);
  peer_types_[peer] = std::move(types);
  synced_.insert(peer);
  if (up_.contains(peer)) seen_.insert(peer);
}

bool cluster_view::peer_view(const std::string& peer, std::vector<std::string> view) {
  if (!up_.contains(peer)) return false;
  peer_views_[peer] = std::move(view);
  return true;
}

void cluster_view::forget(const std::string& peer) {
  synced_.erase(peer);
  peer_views_.erase(peer);
}

bool cluster_view::set_types(std::vector<std::string> types) {
  if (types == types_) return false;
  types_ = std::move(types);
  return true;
}

std::set<std::string> cluster_view::cluster_types() const {
  std::set<std::string> out(types_.begin(), types_.end());
  for (auto& [peer, theirs] : peer_types_) out.insert(theirs.begin(), theirs.end());
  return out;
}

bool cluster_view::hosts(const std::string& member, const std::string& type) const {
  if (member == me_) return std::binary_search(types_.begin(), types_.end(), type);
  auto it = peer_types_.find(member);
  return it != peer_types_.end() && std::binary_search(it->second.begin(), it->second.end(), type);
}

std::vector<std::string> cluster_view::reachable() const {
  std::vector<std::string> out{me_};
  for (auto& m : up_)
    if (synced_.contains(m)) out.push_back(m);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> cluster_view::placeable(const std::vector<std::string>& reachable) const {
  auto out = reachable;
  std::erase_if(out, [&](const std::string& n) { return n == me_ ? draining_ : draining_peers_.contains(n); });
  return out;
}

std::size_t cluster_view::counted() const {
  std::size_t n = 1;  // this node
  for (auto& m : known_) n += !left_.contains(m);
  return n;
}

std::vector<std::string> cluster_view::newcomers(time_point now) const {
  std::vector<std::string> out;
  for (auto& m : known_) {
    if (left_.contains(m) || seen_.contains(m)) continue;
    auto learnt = learnt_.find(m);
    if (learnt != learnt_.end() && now < learnt->second + newcomer_window_) out.push_back(m);
  }
  return out;
}

bool cluster_view::quorum_enabled(time_point now) const {
  if (quorum_ != quorum_mode::automatic) return quorum_ == quorum_mode::on;
  std::size_t n = counted();
  if (held_ && now >= fresh_until_) n -= newcomers(now).size();
  return n >= 3;
}

/// The join rule keeps a quorum only where a strict majority would hold without the newcomers
/// and at least half holds with them: a majority of the members counting them always meets
/// these nodes (see the argument in docs/global_supervisor.md). A node without quorum, or fresh
/// (its own count is still growing: the members it has not seen yet are not newcomers to the
/// cluster), gains nothing from it.
bool cluster_view::has_quorum(time_point now) const {
  if (!quorum_enabled(now)) return true;
  const std::size_t reached = reachable().size(), total = counted();
  if (reached * 2 > total) return true;
  return held_ && now >= fresh_until_ && reached * 2 == total && !newcomers(now).empty();
}

bool cluster_view::update_quorum(time_point now) {
  held_ = has_quorum(now);
  return held_;
}

bool cluster_view::agreed(const std::vector<std::string>& reachable) const {
  for (auto& m : reachable) {
    if (m == me_) continue;
    auto it = peer_views_.find(m);
    if (it == peer_views_.end() || it->second != reachable) return false;
  }
  return true;
}

/// A reachable peer whose sync has not arrived may run anything. After (re)gaining quorum — a
/// healed minority, a fresh node — the members not heard from yet may be the majority that ran
/// every child meanwhile: wait until every member not left is synced, or for the grace (a member
/// still missing then is dead or cut off, and the usual rules hold).
bool cluster_view::may_start(const std::vector<std::string>& reachable, std::size_t shared_total,
                             time_point now) const {
  if (reachable.size() != up_.size() + 1) return false;
  // The shared view may be ahead of the events handled here (at start, before they arrive):
  // for this count, ahead is the safe side.
  const std::size_t total = std::max(counted(), shared_total);
  // A fresh node's count of members is only what it has heard of so far: it waits out the
  // grace (found by the simulation: a restarted node synced with its first peer, counted two
  // members, and started a child another node ran).
  return (reachable.size() == total && now >= fresh_until_) || now >= settle_until_;
}

bool cluster_view::tell(const std::vector<std::string>& reachable) {
  if (reachable == told_) return false;
  told_ = reachable;
  return true;
}

}  // namespace troupe::gs
