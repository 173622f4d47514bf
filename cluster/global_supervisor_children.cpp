#include "troupe/cluster/global_supervisor_children.hpp"

#include <algorithm>

#include "troupe/cluster/global_snapshot.hpp"
#include "troupe/node/actor_factory.hpp"
#include "troupe/node/actor_system.hpp"
#include "troupe/node/log.hpp"

namespace troupe::gs {
namespace {

result<actor*> build_child(const child_record& r) {
  try {
    msgpack::object_handle args;
    msgpack::object nil;
    if (!r.args.empty()) args = msgpack::unpack(r.args.data(), r.args.size());
    return make_actor(r.type, r.args.empty() ? nil : args.get());
  } catch (const std::exception& ex) {
    return fail(errc::invalid_argument, ex.what());
  }
}

}  // namespace

start_outcome child_runner::start(const child_record& r, const std::vector<char>* restore, std::int64_t now_ms) {
  auto made = build_child(r);
  if (!made) {
    log()->error("global child '{}': cannot build a '{}': {}", r.id, r.type, made.error().message());
    local_.erase(r.id);
    return start_outcome::unbuildable;
  }
  pid child = self_.system().spawn_prepared(*made, pid{}, pid{}, 0, nullptr);
  if (!child) return start_outcome::not_spawned;
  auto& c = local_[r.id];
  c.child = child;
  c.ref = self_.monitor(child);  // a child already gone gives DOWN noproc: never missed
  c.stopping = false;
  if (c.moved_at_ms == 0) c.moved_at_ms = now_ms;
  // The restore goes first: nobody else can know the pid before its name is registered.
  if (restore) self_.send(child, global_restore{r.id, *restore});
  c.named = false;
  register_name(r.id, false);
  log()->info("global child '{}' started here as {}", r.id, child.to_string());
  return start_outcome::started;
}

void child_runner::stop(const std::string& id) {
  auto& c = local_.at(id);
  log()->info("global child {} stopping here", c.child.to_string());
  c.stopping = true;
  self_.exit(c.child, exit_reason::shutdown());
}

void child_runner::stop_all() {
  for (auto& [id, c] : local_)
    if (!c.stopping) stop(id);
}

void child_runner::shutdown_all() {
  for (auto& [id, c] : local_)
    if (c.child) self_.exit(c.child, exit_reason::shutdown());
}

void child_runner::register_name(const std::string& id, bool retry) {
  auto& c = local_.at(id);
  auto spec = specs_.find(id);
  if (c.named || c.stopping || !spec || spec->name.empty() || !options_.register_name) return;
  auto ok = options_.register_name(spec->name, c.child);
  c.named = ok.has_value();
  if (c.named && retry) log()->info("global child '{}': registered '{}' on retry", id, spec->name);
  if (!c.named && !retry)
    log()->info("global child '{}': cannot register '{}' yet ({}); retrying every tick", id, spec->name,
                ok.error().message());
}

void child_runner::register_names() {
  for (auto& [id, c] : local_) register_name(id, true);
}

std::optional<std::pair<std::string, exit_outcome>> child_runner::exited(ref_id ref, const exit_reason& reason,
                                                                         time_point now) {
  auto it = std::find_if(local_.begin(), local_.end(), [&](auto& kv) { return kv.second.ref == ref; });
  if (it == local_.end()) return std::nullopt;
  auto id = it->first;
  auto& c = it->second;
  auto spec = specs_.find(id);
  if (spec && !spec->name.empty() && options_.unregister_name) options_.unregister_name(spec->name, c.child);
  const bool live = spec && !spec->removed;
  if (c.stopping || !live) {
    local_.erase(it);  // stopped on purpose: reported only now that it is dead (handoff)
    return std::pair{id, exit_outcome::stopped};
  }
  if (!restarts_after(static_cast<restart_type>(spec->restart), reason)) {
    local_.erase(it);
    return std::pair{id, exit_outcome::finished};
  }
  if (!c.exits.note(now, options_.max_restarts, options_.max_restart_window)) {
    log()->warn("global child '{}' exited {} times within the window; giving up ({})", id, c.exits.recent(),
                reason.to_string());
    local_.erase(it);
    return std::pair{id, exit_outcome::gave_up};
  }
  ++c.restarts;
  return std::pair{id, exit_outcome::restart};
}

std::optional<std::string> child_runner::id_of(const pid& p) const {
  for (auto& [id, c] : local_)
    if (c.child == p) return id;
  return std::nullopt;
}

void child_runner::give_up(const std::string& id) { failed_.insert(id); }

child_report child_runner::report_of(const std::string& id) const {
  child_report r{.id = id};
  if (auto spec = specs_.find(id)) r.name = spec->name;
  if (auto it = local_.find(id); it != local_.end()) {
    r.child = it->second.child;
    r.restarts = it->second.restarts;
    r.running = true;
    r.moved_at_ms = it->second.moved_at_ms;
  }
  r.failed = failed_.contains(id);
  return r;
}

std::vector<child_report> child_runner::reports() const {
  std::vector<child_report> out;
  for (auto& [id, c] : local_) out.push_back(report_of(id));
  for (auto& id : failed_) out.push_back(report_of(id));
  return out;
}

}  // namespace troupe::gs
