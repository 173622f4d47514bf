/// troupe-node: runs one Troupe node until SIGTERM or SIGINT.
///
///   troupe-node --name n1 --listen tcp://127.0.0.1:7101 --seeds tcp://127.0.0.1:7102 --cookie secret
///
/// A program on the library's node entry point (app/node_app.hpp), like any user's node
/// binary: the flags, `TROUPE_*` variables, ready line and drain on SIGTERM come from there.
/// What troupe-node adds is the actor types it hosts: `echo` and `counter` (for trying the
/// cluster from troupectl), the chaos scenarios' workload and the demos' types (examples/).

#include "troupe/app/node_app.hpp"
#include "troupe/app/cluster_services.hpp"
#include "tools/troupe_node/builtin_actors.hpp"
#include "examples/demo_actors.hpp"

int main(int argc, char** argv) {
  troupe::node_app app("troupe-node");
  troupe::builtin::host_builtin_actors(app);
  app.on_start([](troupe::cluster_node&, troupe::cluster_services& services) {
    troupe::demo::register_demo_actors(services.groups.get());
  });
  return app.run(argc, argv);
}
