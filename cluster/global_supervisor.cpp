#include "cluster/global_supervisor.hpp"

#include <algorithm>

#include "cluster/global_supervisor_server.hpp"
#include "cluster/node.hpp"
#include "node/actor_factory.hpp"

namespace troupe {

global_supervisor::global_supervisor(node& n, global_supervisor_options options)
    : node_(n), shared_(std::make_shared<gs::shared_state>()) {
  server_ = n.system().spawn<gs::server>(n, std::move(options), shared_);
}

global_supervisor::~global_supervisor() {
  if (server_ && !node_.system().shutting_down()) node_.system().exit(server_, exit_reason::shutdown());
}

result<void> global_supervisor::start_child(global_child_spec spec) {
  if (spec.id.empty() || spec.type.empty()) return fail(errc::invalid_argument, "a global child needs an id and a type");
  auto types = actor_types();
  if (!std::binary_search(types.begin(), types.end(), spec.type))
    return fail(errc::invalid_argument, "unknown actor type '" + spec.type + "'");
  {
    std::lock_guard lock(shared_->mutex);
    if (auto it = shared_->specs.find(spec.id); it != shared_->specs.end() && !it->second.removed)
      return fail(errc::name_taken, "a global child '" + spec.id + "' exists");
  }
  gs::child_record r{std::move(spec.id), std::move(spec.type), std::move(spec.args),
                     static_cast<std::uint8_t>(spec.restart), std::move(spec.name), std::move(spec.preferred_nodes),
                     spec.pinned, shared_->next_version(), node_.name(), false};
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
  r.version = shared_->next_version();
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

std::optional<pid> global_supervisor::whereis(const std::string& name) const {
  std::lock_guard lock(shared_->mutex);
  auto it = shared_->names.find(name);
  if (it == shared_->names.end()) return std::nullopt;
  return it->second;
}

std::unique_ptr<global_supervisor> start_global_supervisor(node& n, global_supervisor_options options) {
  return std::make_unique<global_supervisor>(n, std::move(options));
}

}  // namespace troupe
