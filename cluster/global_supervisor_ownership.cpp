// The global supervisor server's ownership decisions and local children (see the protocol and
// the no-duplicate argument in global_supervisor.hpp).

#include <algorithm>

#include "cluster/global_supervisor_server.hpp"
#include "cluster/node.hpp"
#include "node/actor_factory.hpp"
#include "node/log.hpp"

namespace troupe::gs {
namespace {

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
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
  const auto members = view();
  if (quorum != had_quorum_) {
    had_quorum_ = quorum;
    // Members it has not heard from again may be a majority that ran everything meanwhile.
    if (quorum) settle_until_ = system().clock().now() + grace_;
    if (quorum) log()->info("global supervisor: quorum regained");
    else log()->warn("global supervisor: no quorum; stopping the {} global children of this node", local_.size());
  }
  for (auto& [id, c] : local_) {
    if (c.stopping) continue;
    auto s = specs_.find(id);
    bool keep = quorum && s != specs_.end() && !s->second.removed && owner(s->second, members) == me_;
    if (!keep) stop_local(c);
  }
  if (quorum && may_start(members)) {
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
  publish();
}

bool server::quorum_ok() const {
  const std::size_t total = 1 + known_.size() - left_.size();  // members not left, this node included
  bool enabled = options_.quorum == quorum_mode::on || (options_.quorum == quorum_mode::automatic && total >= 3);
  if (!enabled) return true;
  return view().size() * 2 > total;
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
  const std::size_t total = std::max(1 + known_.size() - left_.size(), shared_total);
  return members.size() == total || system().clock().now() >= settle_until_;
}

std::vector<std::string> server::view() const {
  std::vector<std::string> out{me_};
  for (auto& m : up_)
    if (synced_.contains(m)) out.push_back(m);
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<std::string> server::owner(const child_record& r, const std::vector<std::string>& members) const {
  return options_.placement->owner({r.id, r.preferred, r.pinned}, members);
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
/// there, or that node would own it (it may have started it before telling us).
bool server::held(const child_record& r, const std::vector<std::string>& members) const {
  if (hold_until_.contains(r.id)) return true;
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
  if (c.moved_at_ms == 0) c.moved_at_ms = wall_ms();
  if (!r.name.empty() && options_.register_name)
    if (auto ok = options_.register_name(r.name, child); !ok)
      log()->warn("global child '{}': cannot register '{}': {}", r.id, r.name, ok.error().message());
  log()->info("global child '{}' started here as {}", r.id, child.to_string());
  broadcast_report(report_of(r.id));
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
    return reconcile();
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
  std::vector<global_child_info> children;
  std::vector<std::pair<std::string, pid>> local;
  std::map<std::string, pid> names;
  auto add = [&](const child_record& spec, const std::string& where, const child_report& r) {
    auto moved = std::chrono::system_clock::time_point(std::chrono::milliseconds(r.moved_at_ms));
    children.push_back({spec.id, r.running ? where : std::string(), r.child, r.restarts, r.failed, moved});
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
  std::lock_guard lock(shared_->mutex);
  shared_->specs = specs_;
  shared_->children = std::move(children);
  shared_->local = std::move(local);
  shared_->names = std::move(names);
}

}  // namespace troupe::gs
