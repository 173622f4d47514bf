#include "troupe/registry/global_registry.hpp"

#include "troupe/node/log.hpp"
#include "troupe/registry/global_registry_server.hpp"

namespace troupe {

global_registry::global_registry(actor_system& system, transport::network& net, global_registry_options options)
    : system_(system),
      table_(std::make_shared<name_table>(system)),
      peers_(std::make_shared<global_peers>(system, net, options.server_name, options.members)) {
  server_ = system.spawn<global_registry_server>(table_, peers_, options.on_conflict, options.sync_interval);
  table_->set_server(server_);
  // Peers reach the server by this name; without it this node would only ever see its own names.
  if (auto r = system.register_name(options.server_name, server_); !r)
    log()->error("global registry: cannot register its server as '{}': {}", options.server_name, r.error().message());
}

global_registry::~global_registry() {
  peers_->monitor_nodes(server_, false);
  peers_->detach();
  system_.exit(server_, exit_reason::shutdown());
}

result<void> global_registry::register_name(const std::string& name, const pid& p) {
  if (name.empty()) return fail(errc::invalid_argument, "a global name cannot be empty");
  if (!system_.is_local(p)) return fail(errc::invalid_argument, p.to_string() + " is not a process of this node");
  if (!system_.alive(p)) return fail(errc::noproc, p.to_string() + " is not alive");
  return table_->insert_local(name, p);
}

void global_registry::unregister_name(const std::string& name, const pid& p) { table_->erase_local(name, p); }

bool global_registry::unregister(const std::string& name) {
  auto p = whereis(name);
  return p && system_.is_local(*p) && table_->erase_local(name, *p);
}

std::vector<std::pair<std::string, pid>> global_registry::registered_names() const {
  std::vector<std::pair<std::string, pid>> out;
  for (auto& e : table_->entries()) out.emplace_back(std::move(e.name), e.holder);
  return out;
}

std::unique_ptr<global_registry> start_global_registry(actor_system& system, transport::network& net,
                                                       global_registry_options options) {
  return std::make_unique<global_registry>(system, net, std::move(options));
}

}  // namespace troupe
