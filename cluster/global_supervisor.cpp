#include "troupe/cluster/global_supervisor.hpp"

#include <algorithm>

#include "troupe/cluster/global_snapshot.hpp"
#include "troupe/cluster/global_supervisor_server.hpp"
#include "troupe/cluster/cluster_node.hpp"
#include "troupe/node/actor_factory.hpp"

namespace troupe {
namespace {

/// A type this process has registered (published types may lag a registration by a tick).
bool local_type(const std::string& type) {
  auto types = actor_types();
  return std::binary_search(types.begin(), types.end(), type);
}

std::string listed(const std::set<std::string>& names) {
  std::string out;
  for (auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

}  // namespace

global_supervisor::global_supervisor(cluster_node& n, global_supervisor_options options)
    : node_(n), shared_(std::make_shared<gs::shared_state>(n.system().clock())) {
  server_ = n.system().spawn<gs::server>(n, std::move(options), shared_);
}

global_supervisor::~global_supervisor() {
  if (server_ && !node_.system().shutting_down()) node_.system().exit(server_, exit_reason::shutdown());
}

result<void> global_supervisor::start_child(global_child_spec spec) {
  if (spec.id.empty() || spec.type.empty()) return fail(errc::invalid_argument, "a global child needs an id and a type");
  {
    std::lock_guard lock(shared_->mutex);
    if (!shared_->cluster_types.contains(spec.type) && !local_type(spec.type))
      return fail(errc::invalid_argument, "no node of the cluster hosts actor type '" + spec.type + "' (hosted: " +
                                              listed(shared_->cluster_types) + ")");
    if (auto it = shared_->specs.find(spec.id); it != shared_->specs.end() && !it->second.removed)
      return fail(errc::name_taken, "a global child '" + spec.id + "' exists");
  }
  gs::child_record r{std::move(spec.id), std::move(spec.type), std::move(spec.args),
                     static_cast<std::uint8_t>(spec.restart), std::move(spec.name), std::move(spec.preferred_nodes),
                     spec.pinned, shared_->clock.next(), node_.name(), false};
  node_.system().send(server_, gs::submit{std::move(r)});
  return {};
}

result<void> global_supervisor::terminate_child(const std::string& id) {
  gs::child_record r;
  {
    std::lock_guard lock(shared_->mutex);
    auto it = shared_->specs.find(id);
    if (it == shared_->specs.end() || it->second.removed) return fail(errc::not_found, "no global child '" + id + "'");
    r = it->second;
  }
  r.removed = true;
  r.version = shared_->clock.next();
  r.origin = node_.name();
  node_.system().send(server_, gs::submit{std::move(r)});
  return {};
}

std::vector<global_child_info> global_supervisor::which_children() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->children;
}

std::vector<std::pair<std::string, pid>> global_supervisor::local_children() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->local;
}

std::uint64_t global_supervisor::failovers() const noexcept {
  return shared_->failovers.load(std::memory_order_relaxed);
}

std::optional<pid> global_supervisor::whereis(const std::string& name) const {
  std::lock_guard lock(shared_->mutex);
  auto it = shared_->names.find(name);
  if (it == shared_->names.end()) return std::nullopt;
  return it->second;
}

std::optional<std::vector<char>> global_supervisor::snapshot(const std::string& id) const {
  std::lock_guard lock(shared_->mutex);
  auto it = shared_->snapshots.find(id);
  if (it == shared_->snapshots.end()) return std::nullopt;
  return it->second;
}

result<void> global_supervisor::drain(duration timeout) {
  std::vector<std::string> mine;
  {
    std::lock_guard lock(shared_->mutex);
    for (auto& [id, p] : shared_->local) mine.push_back(id);
  }
  node_.system().send(server_, gs::begin_drain{});
  // The server publishes on every change and every tick, so this wait is woken often.
  std::unique_lock lock(shared_->mutex);
  bool done = shared_->changed.wait_for(lock, timeout, [&] {
    if (!shared_->draining || !shared_->local.empty()) return false;
    if (shared_->placeable_peers == 0) return true;  // nowhere to go: stopped is all we can do
    for (auto& id : mine) {
      auto it = std::find_if(shared_->children.begin(), shared_->children.end(),
                             [&](const global_child_info& c) { return c.id == id; });
      if (it != shared_->children.end() && it->node.empty() && !it->failed) return false;  // not running again yet
    }
    return true;
  });
  if (!done) return fail(errc::timeout, "drain: not every child was running elsewhere in time");
  return {};
}

void save_global_snapshot(actor& self, std::vector<char> state, std::string_view server_name) {
  if (auto server = self.system().whereis(std::string(server_name))) self.send(*server, global_snapshot{std::move(state)});
}

std::unique_ptr<global_supervisor> start_global_supervisor(cluster_node& n, global_supervisor_options options) {
  return std::make_unique<global_supervisor>(n, std::move(options));
}

}  // namespace troupe
