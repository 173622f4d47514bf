#pragma once
/// @file
/// `cluster_services`: what a full cluster node runs on top of `troupe::cluster_node` — global names,
/// process groups, the global supervisor (its children's names go to the global registry), and
/// the admin process troupectl talks to, wired together. The wiring lives here, with the node
/// entry point (node_app.hpp), at the top of the dependency chain
/// (node <- transport <- cluster <- registry <- ops <- app): no lower layer includes a higher one.
/// ```
/// auto n = troupe::cluster_node::start(config);
/// auto services = troupe::start_cluster_services(**n);
/// services->names->register_name("db", pid);
/// ```

#include <functional>
#include <memory>

#include "troupe/cluster/global_supervisor.hpp"
#include "troupe/cluster/cluster_node.hpp"
#include "troupe/registry/global_registry.hpp"
#include "troupe/registry/process_groups.hpp"

namespace troupe {

struct cluster_services {
  std::unique_ptr<global_registry> names;
  std::unique_ptr<process_groups> groups;
  std::unique_ptr<global_supervisor> supervisor;
  pid admin;
};

struct cluster_services_options {
  /// What `troupectl drain` on this node does: start the node's graceful exit (drain the global
  /// supervisor, then stop) and return at once. Unset: the admin refuses to drain.
  std::function<void()> on_drain;
  /// Move running global children to members that join (global_supervisor_options::rebalance).
  bool rebalance = false;
};

/// Starts the global registry, the process groups, the global supervisor and the admin process
/// of `n`. Stop the node first (its admin process reads the registry and the groups), then
/// destroy the result.
std::unique_ptr<cluster_services> start_cluster_services(cluster_node& n, cluster_services_options options = {});

}  // namespace troupe
