#include "troupe/registry/process_groups.hpp"

#include "troupe/node/log.hpp"
#include "troupe/registry/global_groups_server.hpp"

namespace troupe {

process_groups::process_groups(actor_system& system, transport::network& net, process_groups_options options)
    : system_(system),
      table_(std::make_shared<global_group_table>(system)),
      peers_(std::make_shared<global_peers>(system, net, options.server_name, options.members)) {
  server_ = system.spawn<global_groups_server>(table_, peers_);
  table_->set_server(server_);
  if (auto r = system.register_name(options.server_name, server_); !r)
    log()->error("process groups: cannot register its server as '{}': {}", options.server_name, r.error().message());
}

process_groups::~process_groups() {
  peers_->monitor_nodes(server_, false);
  peers_->detach();
  system_.exit(server_, exit_reason::shutdown());
}

result<void> process_groups::join(const std::string& group, const pid& p) {
  if (group.empty()) return fail(errc::invalid_argument, "a group name cannot be empty");
  if (!system_.is_local(p)) return fail(errc::invalid_argument, p.to_string() + " is not a process of this node");
  if (!system_.alive(p)) return fail(errc::noproc, p.to_string() + " is not alive");
  table_->join_local(group, p);
  return {};
}

bool process_groups::leave(const std::string& group, const pid& p) {
  return system_.is_local(p) && table_->leave_local(group, p);
}

std::unique_ptr<process_groups> start_process_groups(actor_system& system, transport::network& net,
                                                     process_groups_options options) {
  return std::make_unique<process_groups>(system, net, std::move(options));
}

}  // namespace troupe
