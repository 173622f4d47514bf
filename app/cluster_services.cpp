#include "troupe/app/cluster_services.hpp"

#include "troupe/ops/admin.hpp"

namespace troupe {

std::unique_ptr<cluster_services> start_cluster_services(cluster_node& n, cluster_services_options options_in) {
  auto s = std::make_unique<cluster_services>();
  // The replicas follow membership's view of who is up, as the global supervisor does.
  global_registry_options names;
  names.members = &n.membership();
  s->names = start_global_registry(n.system(), n.network(), std::move(names));
  process_groups_options groups;
  groups.members = &n.membership();
  s->groups = start_process_groups(n.system(), n.network(), std::move(groups));
  global_supervisor_options gs;
  gs.register_name = [names = s->names.get()](const std::string& name, const pid& p) { return names->register_name(name, p); };
  gs.unregister_name = [names = s->names.get()](const std::string& name, const pid& p) { names->unregister_name(name, p); };
  gs.rebalance = options_in.rebalance;
  s->supervisor = start_global_supervisor(n, std::move(gs));
  admin_options options;
  options.supervisor = s->supervisor.get();
  options.drain = std::move(options_in.on_drain);
  options.names = s->names.get();
  options.groups = s->groups.get();
  s->admin = start_admin(n, std::move(options));
  return s;
}

}  // namespace troupe
