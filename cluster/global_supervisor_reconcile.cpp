// The global supervisor server acting on its decisions: after every burst of events and every
// tick it stops what this node must not run, starts what it owns and may start, and publishes
// what it knows (see the protocol and the no-duplicate argument in global_supervisor.hpp).

#include <algorithm>

#include "troupe/cluster/global_supervisor_server.hpp"
#include "troupe/cluster/membership.hpp"
#include "troupe/cluster/cluster_node.hpp"
#include "troupe/node/log.hpp"

namespace troupe::gs {
namespace {

std::int64_t wall_clock_ms(const clock& time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.wall_now().time_since_epoch()).count();
}

}  // namespace

/// Stops first (what this node must not run), then starts.
void server::reconcile() {
  const auto now = system().clock().now();
  const bool quorum = view_.update_quorum(now);
  const auto reachable = view_.reachable();
  const auto members = view_.placeable(reachable);
  note_quorum(quorum, reachable);
  for (auto& [id, c] : children_.local()) {
    if (c.stopping) continue;
    auto s = replica_.find(id);
    bool keep = quorum && !view_.draining() && s && !s->removed && keeps(*s, members);
    if (!keep) children_.stop(id);
  }
  if (view_.tell(reachable))
    for (auto& peer : view_.peers()) send_to_peer(peer, view_notice{me_, reachable});
  // In quorum mode a start also needs every peer of the view to see exactly this view: two
  // overlapping "majorities" (a bridge partition) never agree with their common node.
  const bool agreed = !view_.quorum_enabled(now) || view_.agreed(reachable);
  auto shared_total = [&] {
    std::size_t n = 0;
    for (auto& m : node_.membership().members()) n += m.state != member_state::left;
    return n;
  };
  if (quorum && agreed && !view_.draining() && view_.may_start(reachable, shared_total(), now)) {
    for (auto& [id, r] : replica_.specs()) {
      if (r.removed || children_.runs(id)) continue;
      if (ownership_.owner(r, members) != me_) {
        if (children_.forgive(id)) broadcast_report(children_.report_of(id));  // no longer ours to give up on
        continue;
      }
      if (children_.failed(id) || replica_.running_elsewhere(id, members, me_) || ownership_.held(r, members, now))
        continue;
      start_local(r);
    }
  }
  replicate_snapshots();  // the view may have changed: each snapshot follows its child's successor
  publish();
}

void server::note_quorum(bool quorum, const std::vector<std::string>& reachable) {
  if (quorum == had_quorum_) return;
  had_quorum_ = quorum;
  // Members it has not heard from again may be a majority that ran everything meanwhile.
  if (quorum) view_.settle(system().clock().now() + grace_);
  const auto seen = std::to_string(reachable.size()) + " of " + std::to_string(view_.counted()) + " members reachable";
  if (quorum) log()->info("global supervisor: quorum regained");
  else log()->warn("global supervisor: no quorum; stopping the {} global children of this node", children_.local().size());
  node_.events().record(quorum ? "quorum.regained" : "quorum.lost", {}, {}, {}, seen);
}

bool server::keeps(const child_record& r, const std::vector<std::string>& members) {
  switch (ownership_.keeps(r, members)) {
    case keep_verdict::keep: return true;
    case keep_verdict::stop: return false;
    case keep_verdict::movable: break;
  }
  return !(options_.rebalance && rebalance_.take(system().clock().now(), options_.rebalance_per_second));
}

void server::start_local(const child_record& r) {
  switch (children_.start(r, snapshots_.state_of(r.id), wall_clock_ms(system().clock()))) {
    case start_outcome::unbuildable: return give_up(r.id);
    case start_outcome::not_spawned: return;
    case start_outcome::started: break;
  }
  if (holds_.claim_failover(r.id)) shared_->failovers.fetch_add(1, std::memory_order_relaxed);
  broadcast_report(children_.report_of(r.id));
}

void server::child_exited(const std::string& id, exit_outcome outcome) {
  switch (outcome) {
    case exit_outcome::stopped:  // reported only now that it is dead (handoff)
      publish();
      broadcast_report(children_.report_of(id));
      return request_reconcile();
    case exit_outcome::finished:
      publish();
      broadcast_report(children_.report_of(id));
      return remove_spec(id);
    case exit_outcome::gave_up: return give_up(id);
    case exit_outcome::restart:
      start_local(*replica_.find(id));
      return publish();
  }
}

void server::give_up(const std::string& id) {
  children_.give_up(id);
  broadcast_report(children_.report_of(id));
  publish();
}

void server::remove_spec(const std::string& id) {
  auto r = *replica_.find(id);
  r.removed = true;
  r.version = shared_->clock.next();
  r.origin = me_;
  on_submit(r);
}

void server::replicate_snapshots() {
  const auto placeable = view_.placeable(view_.reachable());
  for (auto& [id, c] : children_.local()) {
    auto spec = replica_.find(id);
    if (!snapshots_.state_of(id) || !spec) continue;
    auto next = ownership_.successor(*spec, placeable);
    if (!next) continue;
    if (auto snap = snapshots_.for_successor(id, *next)) {
      send_to_peer(*next, std::move(*snap));
      log()->debug("global child '{}': snapshot sent to {}", id, *next);
    }
  }
}

void server::publish() {
  const auto placeable = view_.placeable(view_.reachable());
  std::vector<global_child_info> children;
  std::vector<std::pair<std::string, pid>> local;
  std::map<std::string, pid> names;
  auto add = [&](const child_record& spec, const std::string& where, const child_report& r) {
    auto moved = std::chrono::system_clock::time_point(std::chrono::milliseconds(r.moved_at_ms));
    children.push_back({spec.id, r.running ? where : std::string(), r.child, r.restarts, r.failed, moved,
                        r.running || r.failed ? std::string() : ownership_.waiting_reason(spec, placeable)});
    if (r.running && !spec.name.empty()) names[spec.name] = r.child;
  };
  for (auto& [id, c] : children_.local()) local.emplace_back(id, c.child);
  for (auto& [id, spec] : replica_.specs()) {
    if (spec.removed) continue;
    if (children_.runs(id) || children_.failed(id)) {
      add(spec, me_, children_.report_of(id));
      continue;
    }
    std::string where;
    auto best = replica_.best_report(id, view_.peers(), where);
    add(spec, where, best);
  }
  child_events_.observe(children, node_.events());
  {
    std::lock_guard lock(shared_->mutex);
    shared_->specs = replica_.specs();
    shared_->children = std::move(children);
    shared_->local = std::move(local);
    shared_->names = std::move(names);
    shared_->draining = view_.draining();
    shared_->cluster_types = view_.cluster_types();
    shared_->placeable_peers = placeable.size() - std::count(placeable.begin(), placeable.end(), me_);
  }
  shared_->changed.notify_all();
}

}  // namespace troupe::gs
