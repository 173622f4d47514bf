#include "troupe/node/behaviour/partition_supervisor.hpp"

#include <thread>

#include "troupe/node/behaviour/start_link.hpp"

namespace troupe {

namespace {
/// Partition i's spec, its id "i", and a start that publishes each new process in the routes.
child_spec routed(child_spec spec, std::size_t i, std::shared_ptr<detail::partition_route_slot> routes) {
  spec.id = std::to_string(i);
  spec.start = [start = std::move(spec.start), i, routes](actor& sup) {
    start_ticket t = start(sup);
    if (routes->table) (void)routes->table->insert(sup.self(), static_cast<std::uint32_t>(i), t.child);
    return t;
  };
  return spec;
}
}  // namespace

pid partitions_handle::partition(std::size_t i) const {
  if (!routes_->table) return {};
  auto p = routes_->table->find(pid{}, static_cast<std::uint32_t>(i));
  return p && *p ? **p : pid{};
}

partition_supervisor::partition_supervisor(supervisor_flags flags, std::vector<child_spec> children,
                                           std::shared_ptr<detail::partition_route_slot> routes)
    : supervisor(flags, std::move(children)), routes_(std::move(routes)) {}

/// The table exists before the first partition starts, owned by this process: it goes when
/// the supervisor goes.
init_result partition_supervisor::init() {
  auto t = detail::partition_routes::create(system(), self(), {.read_concurrency = true, .name = "partitions"});
  if (!t) return init_result::stop(exit_reason::error(t.error().message()));
  routes_->table = std::move(*t);
  return supervisor::init();
}

result<partitions_handle> partition_supervisor::start(actor_system& sys, partition_supervisor_options opts,
                                                      child_factory make_child) {
  std::size_t n = opts.partitions ? opts.partitions : std::max(1u, std::thread::hardware_concurrency());
  auto routes = std::make_shared<detail::partition_route_slot>();
  std::vector<child_spec> children;
  for (std::size_t i = 0; i < n; ++i) children.push_back(routed(make_child(i), i, routes));
  auto sup = troupe::start<partition_supervisor>(sys, opts.start, opts.flags, std::move(children), routes);
  if (!sup) return std::unexpected(sup.error());
  return partitions_handle(*sup, n, routes);
}

}  // namespace troupe
