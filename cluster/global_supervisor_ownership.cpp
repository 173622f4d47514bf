// The global supervisor server's ownership decisions and local children (see the protocol and
// the no-duplicate argument in global_supervisor.hpp).

#include <algorithm>

#include "troupe/cluster/global_supervisor_server.hpp"
#include "troupe/cluster/global_snapshot.hpp"
#include "troupe/cluster/node.hpp"
#include "troupe/node/actor_factory.hpp"
#include "troupe/node/log.hpp"

namespace troupe::gs {
namespace {

std::int64_t wall_ms(const clock& time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.wall_now().time_since_epoch()).count();
}

bool restarts_after(restart_type policy, const exit_reason& reason) {
  switch (policy) {
    case restart_type::permanent: return true;
    case restart_type::transient: return !reason.is_clean();
    case restart_type::temporary: return false;
  }
  return false;
}

}  // namespace

/// Runs after every event. Stops first (what this node must not run), then starts.
void server::reconcile() {
  const bool quorum = quorum_ok();
  const auto reachable = view();
  const auto members = placement_view(reachable);
  if (quorum != had_quorum_) {
    had_quorum_ = quorum;
    // Members it has not heard from again may be a majority that ran everything meanwhile.
    if (quorum) settle_until_ = system().clock().now() + grace_;
    const auto seen = std::to_string(reachable.size()) + " of " + std::to_string(counted_members()) + " members reachable";
    if (quorum) log()->info("global supervisor: quorum regained");
    else log()->warn("global supervisor: no quorum; stopping the {} global children of this node", local_.size());
    node_.events().record(quorum ? "quorum.regained" : "quorum.lost", {}, {}, {}, seen);
  }
  for (auto& [id, c] : local_) {
    if (c.stopping) continue;
    auto s = specs_.find(id);
    bool keep = quorum && !draining_ && s != specs_.end() && !s->second.removed && keeps(s->second, members);
    if (!keep) stop_local(c);
  }
  tell_view(reachable);
  // In quorum mode a start also needs every peer of the view to see exactly this view: two
  // overlapping "majorities" (a bridge partition) never agree with their common node.
  const bool agreed = !quorum_enabled() || view_agreed(reachable);
  if (quorum && agreed && !draining_ && may_start(reachable)) {
    for (auto& [id, r] : specs_) {
      if (r.removed || local_.contains(id)) continue;
      if (owner(r, members) != me_) {
        if (failed_.erase(id)) broadcast_report(report_of(id));  // no longer ours to give up on
        continue;
      }
      if (failed_.contains(id) || running_elsewhere(id, members) || held(r, members)) continue;
      start_local(r);
    }
  }
  replicate_snapshots();  // the view may have changed: each snapshot follows its child's successor
  publish();
}

std::size_t server::counted_members() const {
  std::size_t n = 1;  // this node
  for (auto& m : known_) n += !left_.contains(m);
  return n;
}

bool server::quorum_enabled() const {
  const std::size_t total = counted_members();
  return options_.quorum == quorum_mode::on || (options_.quorum == quorum_mode::automatic && total >= 3);
}

bool server::quorum_ok() const {
  if (!quorum_enabled()) return true;
  return view().size() * 2 > counted_members();
}

bool server::view_agreed(const std::vector<std::string>& reachable) const {
  for (auto& m : reachable) {
    if (m == me_) continue;
    auto it = peer_views_.find(m);
    if (it == peer_views_.end() || it->second != reachable) return false;
  }
  return true;
}

void server::tell_view(const std::vector<std::string>& reachable) {
  if (reachable == told_view_) return;
  told_view_ = reachable;
  for (auto& peer : up_)
    node_.network().send_to_name(peer, options_.server_name, make_envelope<view_notice>(self(), view_notice{me_, reachable}));
}

/// Whether this node knows enough to start anything. A reachable peer whose sync has not
/// arrived may run anything. After (re)gaining quorum — a healed minority, a fresh node — the
/// members not heard from yet may be the majority that ran every child meanwhile: wait until
/// every member not left is synced, or for the grace (a member still missing then is dead or
/// cut off, and the usual rules hold).
bool server::may_start(const std::vector<std::string>& members) const {
  if (members.size() != up_.size() + 1) return false;
  // The shared view may be ahead of the events handled here (at start, before they arrive):
  // for this count, ahead is the safe side.
  std::size_t shared_total = 0;
  for (auto& m : node_.membership().members()) shared_total += m.state != member_state::left;
  const std::size_t total = std::max(counted_members(), shared_total);
  // A fresh node's count of members is only what it has heard of so far: it waits out the
  // grace (found by the simulation: a restarted node synced with its first peer, counted two
  // members, and started a child another node ran).
  const auto now = system().clock().now();
  return (members.size() == total && now >= fresh_until_) || now >= settle_until_;
}

std::vector<std::string> server::placement_view(const std::vector<std::string>& reachable) const {
  auto out = reachable;
  std::erase_if(out, [&](const std::string& n) { return n == me_ ? draining_ : draining_peers_.contains(n); });
  return out;
}

bool server::keeps(const child_record& r, const std::vector<std::string>& members) {
  auto o = owner(r, members);
  if (!o) return false;  // pinned, and none of its nodes is placeable (this one included)
  if (*o == me_) return true;
  // Two copies (a partition healed without quorum): the one placement prefers between the two stays.
  for (auto& n : members) {
    if (n == me_) continue;
    auto it = reports_.find(n);
    if (it == reports_.end()) continue;
    auto rep = it->second.find(r.id);
    if (rep == it->second.end() || !rep->second.running) continue;
    std::vector<std::string> pair{me_, n};
    std::sort(pair.begin(), pair.end());
    if (owner(r, pair) == n) return false;
  }
  // Preferences outrank stickiness: a preferred node is up and this one is not preferred.
  if (!r.preferred.empty() && std::find(r.preferred.begin(), r.preferred.end(), me_) == r.preferred.end() &&
      std::find(r.preferred.begin(), r.preferred.end(), *o) != r.preferred.end())
    return false;
  if (!options_.rebalance) return true;
  return !rebalance_budget();
}

/// Takes one move from this second's budget; false when it is spent.
bool server::rebalance_budget() {
  auto now = system().clock().now();
  if (now >= rebalance_window_ + std::chrono::seconds(1)) {
    rebalance_window_ = now;
    rebalanced_in_window_ = 0;
  }
  if (rebalanced_in_window_ >= options_.rebalance_per_second) return false;
  ++rebalanced_in_window_;
  return true;
}

std::vector<std::string> server::view() const {
  std::vector<std::string> out{me_};
  for (auto& m : up_)
    if (synced_.contains(m)) out.push_back(m);
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<std::string> server::owner(const child_record& r, const std::vector<std::string>& members) const {
  auto hosting = [&](const std::string& m) { return hosts(m, r.type); };
  if (std::all_of(members.begin(), members.end(), hosting))  // the usual case: no copy
    return options_.placement->owner({r.id, r.preferred, r.pinned}, members);
  std::vector<std::string> able;
  std::copy_if(members.begin(), members.end(), std::back_inserter(able), hosting);
  return options_.placement->owner({r.id, r.preferred, r.pinned}, able);
}

bool server::hosts(const std::string& member, const std::string& type) const {
  if (member == me_) return std::binary_search(types_.begin(), types_.end(), type);
  auto it = peer_types_.find(member);
  return it != peer_types_.end() && std::binary_search(it->second.begin(), it->second.end(), type);
}

std::string server::waiting_reason(const child_record& r, const std::vector<std::string>& members) const {
  if (std::none_of(members.begin(), members.end(), [&](const std::string& m) { return hosts(m, r.type); }))
    return "no live node hosts actor type '" + r.type + "'";
  if (r.pinned && !owner(r, members)) return "none of its pinned nodes is up";
  return {};
}

bool server::running_elsewhere(const std::string& id, const std::vector<std::string>& members) const {
  for (auto& n : members) {
    if (n == me_) continue;
    auto it = reports_.find(n);
    if (it == reports_.end()) continue;
    auto r = it->second.find(id);
    if (r != it->second.end() && r->second.running) return true;
  }
  return false;
}

/// Whether the child may still run on a node lost less than the grace ago: it was reported
/// there, or that node would own it (it may have started it before telling us), or that node
/// was lost before its sync arrived (it may run anything).
bool server::held(const child_record& r, const std::vector<std::string>& members) const {
  if (hold_until_.contains(r.id) || system().clock().now() < unknown_until_) return true;
  if (lost_at_.empty()) return false;
  auto wider = members;
  for (auto& [n, at] : lost_at_) wider.push_back(n);
  std::sort(wider.begin(), wider.end());
  wider.erase(std::unique(wider.begin(), wider.end()), wider.end());
  auto o = owner(r, wider);
  return o && lost_at_.contains(*o);
}

// --- local children --------------------------------------------------------------------------------

void server::start_local(const child_record& r) {
  msgpack::object_handle args;
  msgpack::object nil;
  result<actor*> made = fail(errc::invalid_argument, "undecodable arguments");
  try {
    if (!r.args.empty()) args = msgpack::unpack(r.args.data(), r.args.size());
    made = make_actor(r.type, r.args.empty() ? nil : args.get());
  } catch (const std::exception& ex) {
    made = fail(errc::invalid_argument, ex.what());
  }
  if (!made) {
    log()->error("global child '{}': cannot build a '{}': {}", r.id, r.type, made.error().message());
    local_.erase(r.id);
    return give_up(r.id);
  }
  pid child = system().spawn_prepared(*made, pid{}, pid{}, 0, nullptr);
  if (!child) return;
  auto& c = local_[r.id];
  c.child = child;
  c.ref = monitor(child);  // a child already gone gives DOWN noproc: never missed
  c.stopping = false;
  if (c.moved_at_ms == 0) c.moved_at_ms = wall_ms(system().clock());
  // The restore goes first: nobody else can know the pid before its name is registered.
  if (auto snap = snapshots_.find(r.id); snap != snapshots_.end())
    send(child, global_restore{r.id, snap->second.state});
  c.named = false;
  register_child_name(r.id, c, false);
  log()->info("global child '{}' started here as {}", r.id, child.to_string());
  if (orphaned_.erase(r.id)) shared_->failovers.fetch_add(1, std::memory_order_relaxed);
  broadcast_report(report_of(r.id));
}

void server::register_child_name(const std::string& id, local_child& c, bool retry) {
  auto spec = specs_.find(id);
  if (c.named || c.stopping || spec == specs_.end() || spec->second.name.empty() || !options_.register_name) return;
  auto ok = options_.register_name(spec->second.name, c.child);
  c.named = ok.has_value();
  if (c.named && retry) log()->info("global child '{}': registered '{}' on retry", id, spec->second.name);
  if (!c.named && !retry)
    log()->info("global child '{}': cannot register '{}' yet ({}); retrying every tick", id, spec->second.name,
                ok.error().message());
}

void server::stop_local(local_child& c) {
  log()->info("global child {} stopping here", c.child.to_string());
  c.stopping = true;
  exit(c.child, exit_reason::shutdown());
}

void server::child_exited(std::string id, local_child& c, const exit_reason& reason) {
  auto spec = specs_.find(id);
  if (spec != specs_.end() && !spec->second.name.empty() && options_.unregister_name)
    options_.unregister_name(spec->second.name, c.child);
  const bool live = spec != specs_.end() && !spec->second.removed;
  if (c.stopping || !live) {
    local_.erase(id);  // stopped on purpose: report only now that it is dead (handoff)
    publish();
    broadcast_report(report_of(id));
    return request_reconcile();
  }
  auto policy = static_cast<restart_type>(spec->second.restart);
  if (!restarts_after(policy, reason)) {
    local_.erase(id);
    publish();
    broadcast_report(report_of(id));
    return remove_spec(id);
  }
  auto now = system().clock().now();
  c.exits.push_back(now);
  while (!c.exits.empty() && c.exits.front() + options_.max_restart_window < now) c.exits.pop_front();
  if (c.exits.size() > options_.max_restarts) {
    log()->warn("global child '{}' exited {} times within the window; giving up ({})", id, c.exits.size(),
                reason.to_string());
    local_.erase(id);
    return give_up(id);
  }
  ++c.restarts;
  start_local(spec->second);  // keeps the entry: restarts and moved_at carry over
  publish();
}

void server::give_up(const std::string& id) {
  failed_.insert(id);
  broadcast_report(report_of(id));
  publish();
}

void server::remove_spec(const std::string& id) {
  auto r = specs_[id];
  r.removed = true;
  r.version = shared_->next_version();
  r.origin = me_;
  on_submit(r);
}

void server::publish() {
  const auto placeable = placement_view(view());
  std::set<std::string> types(types_.begin(), types_.end());
  for (auto& [peer, theirs] : peer_types_) types.insert(theirs.begin(), theirs.end());
  std::vector<global_child_info> children;
  std::vector<std::pair<std::string, pid>> local;
  std::map<std::string, pid> names;
  auto add = [&](const child_record& spec, const std::string& where, const child_report& r) {
    auto moved = std::chrono::system_clock::time_point(std::chrono::milliseconds(r.moved_at_ms));
    children.push_back({spec.id, r.running ? where : std::string(), r.child, r.restarts, r.failed, moved,
                        r.running || r.failed ? std::string() : waiting_reason(spec, placeable)});
    if (r.running && !spec.name.empty()) names[spec.name] = r.child;
  };
  for (auto& [id, c] : local_) local.emplace_back(id, c.child);
  const auto& members = up_;

  for (auto& [id, spec] : specs_) {
    if (spec.removed) continue;
    if (local_.contains(id) || failed_.contains(id)) {
      add(spec, me_, report_of(id));
      continue;
    }
    child_report best{.id = id};
    std::string where;
    for (auto& n : members)
      if (auto it = reports_.find(n); it != reports_.end())
        if (auto r = it->second.find(id); r != it->second.end() && (r->second.running || !best.running))
          best = r->second, where = n;
    add(spec, where, best);
  }
  child_events_.observe(children, node_.events());
  {
    std::lock_guard lock(shared_->mutex);
    shared_->specs = specs_;
    shared_->children = std::move(children);
    shared_->local = std::move(local);
    shared_->names = std::move(names);
    shared_->draining = draining_;
    shared_->cluster_types = std::move(types);
    shared_->placeable_peers = placeable.size() - std::count(placeable.begin(), placeable.end(), me_);
  }
  shared_->changed.notify_all();
}

}  // namespace troupe::gs
