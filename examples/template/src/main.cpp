/// inventory-node: a Troupe node that hosts the `stock_keeper` actor type, and makes sure the
/// cluster runs one keeper for the main warehouse, registered globally as "warehouse".
///
///   inventory-node --name n1 --listen tcp://127.0.0.1:7101 --cookie secret
///   troupectl --node tcp://127.0.0.1:7101 --cookie secret call warehouse \
///       --type inventory.stock.add --args '["bolts", 5]'
///
/// Every flag and TROUPE_* variable of troupe-node works here (--help lists them).

#include <troupe/cluster/global_supervisor.hpp>
#include <troupe/node/log.hpp>
#include <troupe/node/spawner.hpp>
#include <troupe/app/cluster_services.hpp>

#include "stock_keeper.hpp"

int main(int argc, char** argv) {
  troupe::node_app app("inventory-node");
  inventory::host_stock_keeper(app);
  app.on_start([](troupe::cluster_node&, troupe::cluster_services& services) {
    // Every node asks for the same child: the first request creates it, the others find it.
    auto started = services.supervisor->start_child({.id = "warehouse",
                                                     .type = "stock_keeper",
                                                     .args = troupe::spawn_args(std::string("main")),
                                                     .name = "warehouse"});
    if (!started && started.error().code() != troupe::errc::name_taken)
      troupe::log()->error("cannot start the warehouse: {}", started.error().message());
  });
  return app.run(argc, argv);
}
