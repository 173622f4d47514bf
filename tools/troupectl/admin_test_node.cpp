/// troupe-admin-test-node: a troupe-node that is sure to run the admin process, for
/// troupectl's tests while node startup does not start it yet. It takes the troupe-node flags
/// the tests use and prints the same ready line:
///   troupe-node n1 ready on tcp://127.0.0.1:7101 creation 1795248231
/// Once `troupe::node::start` calls `start_admin`, tests/troupectl.cmake can point the tests
/// at troupe-node itself and this file can go (start_admin returns the running admin, so both
/// work meanwhile).

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <sstream>

#include "cluster/admin.hpp"
#include "cluster/node.hpp"
#include "node/log.hpp"
#include "tools/troupe_node/builtin_actors.hpp"

int main(int argc, char** argv) {
  CLI::App app{"troupe-admin-test-node"};
  troupe::node_config config;
  config.transport = troupe::transport::transport_config::defaults();
  std::string seeds, log_level = "warn";
  app.add_option("--name", config.name)->required();
  app.add_option("--listen", config.transport.listen);
  app.add_option("--seeds", seeds);
  app.add_option("--cookie", config.transport.cookie);
  app.add_option("--threads", config.threads);
  app.add_option("--log-level", log_level);
  CLI11_PARSE(app, argc, argv);
  troupe::log()->set_level(spdlog::level::from_str(log_level));
  std::stringstream in(seeds);
  for (std::string s; std::getline(in, s, ',');)
    if (!s.empty()) config.seeds.push_back(s);

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  troupe::builtin::register_builtin_actors();
  auto n = troupe::node::start(config);
  if (!n) {
    std::fprintf(stderr, "troupe-admin-test-node: %s\n", n.error().message().c_str());
    return 1;
  }
  troupe::start_admin(**n);
  std::printf("troupe-node %s ready on %s creation %u\n", config.name.c_str(), (*n)->address().c_str(),
              (*n)->system().creation());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  (*n)->stop();
  return 0;
}
