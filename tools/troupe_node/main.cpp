/// troupe-node: runs one Troupe node until SIGTERM or SIGINT.
///
///   troupe-node --name n1 --listen tcp://127.0.0.1:7101 --seeds tcp://127.0.0.1:7102 --cookie secret
///
/// Every flag has an environment variable (TROUPE_NAME, TROUPE_LISTEN, TROUPE_SEEDS,
/// TROUPE_COOKIE, ...) for containers. It prints one line on stdout when it is ready:
///   troupe-node n1 ready on tcp://127.0.0.1:7101 creation 1795248231
/// and logs (spdlog) on stderr. On SIGTERM/SIGINT (or `troupectl drain`) it first hands its
/// global children to the other members (drain), prints "troupe-node n1 drained", then stops.

#include <CLI/CLI.hpp>
#include <csignal>
#include <unistd.h>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cluster/management_endpoint.hpp"
#include "cluster/node.hpp"
#include "registry/cluster_services.hpp"
#include "node/log.hpp"
#include "tools/troupe_node/builtin_actors.hpp"
#include "tools/troupe_node/link_faults_service.hpp"
#include "tools/troupe_node/demo_actors.hpp"

namespace {

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

std::string read_cookie_file(const std::string& path) {
  std::ifstream f(path);
  std::string cookie;
  std::getline(f, cookie);
  return cookie;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"troupe-node: one node of a Troupe cluster"};
  troupe::node_config config;
  std::string seeds, cookie_file, log_level = "info";
  int heartbeat_ms = 0, peer_timeout_ms = 0;
  std::string profile = "default";
  app.add_option("--name", config.name, "node name, unique in the cluster")->envname("TROUPE_NAME")->required();
  app.add_option("--listen", config.transport.listen, "listen address, tcp://HOST:PORT")->envname("TROUPE_LISTEN");
  app.add_option("--advertise", config.transport.advertise, "address peers use to reach this node")->envname("TROUPE_ADVERTISE");
  app.add_option("--seeds", seeds, "comma-separated addresses of nodes to join")->envname("TROUPE_SEEDS");
  app.add_option("--cookie", config.transport.cookie, "shared secret")->envname("TROUPE_COOKIE");
  app.add_option("--cookie-file", cookie_file, "file whose first line is the cookie")->envname("TROUPE_COOKIE_FILE");
  app.add_flag("--curve", config.transport.curve, "encrypt connections (CurveZMQ, keys from the cookie)")->envname("TROUPE_CURVE");
  app.add_option("--threads", config.threads, "scheduler threads (0: one per core)")->envname("TROUPE_THREADS");
  app.add_option("--profile", profile, "failure detection: default (~0.65 s) or aggressive (~0.2 s)")
      ->envname("TROUPE_PROFILE")
      ->check(CLI::IsMember({"default", "aggressive"}));
  app.add_option("--heartbeat-ms", heartbeat_ms, "heartbeat interval (overrides the profile)")->envname("TROUPE_HEARTBEAT_MS");
  app.add_option("--peer-timeout-ms", peer_timeout_ms, "hard cap on a peer's silence (overrides the profile)")
      ->envname("TROUPE_PEER_TIMEOUT_MS");
  int drain_timeout_ms = 15000;
  bool rebalance = false;
  app.add_option("--drain-timeout-ms", drain_timeout_ms, "on SIGTERM/SIGINT or `troupectl drain`: how long to wait for the global children to run elsewhere before stopping")
      ->envname("TROUPE_DRAIN_TIMEOUT_MS");
  app.add_flag("--rebalance", rebalance, "move running global children to nodes that join and own them by the hash")
      ->envname("TROUPE_REBALANCE");
  std::string http;
  app.add_option("--http", http, "serve the management endpoint and live page on [ADDR:]PORT (default: off; "
                                 "loopback unless ADDR is given)")
      ->envname("TROUPE_HTTP");
  bool allow_faults = false;  // netlab's delay/loss fallback (docs/netlab.md)
  std::size_t max_queued_mb = 0;
  app.add_flag("--allow-fault-injection", allow_faults, "accept link faults (delay, loss) from troupectl: tests only")
      ->envname("TROUPE_ALLOW_FAULT_INJECTION");
  app.add_option("--max-queued-mb", max_queued_mb, "bound of the outbound queue to each peer, in MiB")
      ->envname("TROUPE_MAX_QUEUED_MB");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")->envname("TROUPE_LOG_LEVEL");
  CLI11_PARSE(app, argc, argv);

  troupe::log()->set_level(spdlog::level::from_str(log_level));
  {
    auto listen = config.transport.listen, advertise = config.transport.advertise, cookie = config.transport.cookie;
    bool curve = config.transport.curve;
    config.transport = profile == "aggressive" ? troupe::transport::transport_config::aggressive()
                                               : troupe::transport::transport_config::defaults();
    config.transport.listen = listen;
    config.transport.advertise = advertise;
    config.transport.cookie = cookie;
    config.transport.curve = curve;
  }
  if (!cookie_file.empty()) config.transport.cookie = read_cookie_file(cookie_file);
  config.seeds = split_list(seeds);
  if (max_queued_mb > 0) config.transport.max_queued_bytes = max_queued_mb * 1024 * 1024;
  if (heartbeat_ms > 0) config.transport.heartbeat_interval = std::chrono::milliseconds(heartbeat_ms);
  if (peer_timeout_ms > 0) config.transport.peer_timeout = std::chrono::milliseconds(peer_timeout_ms);

  // Block the stop signals in every thread; the main thread waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  troupe::builtin::register_builtin_actors();
  auto n = troupe::node::start(config);
  if (!n) {
    std::fprintf(stderr, "troupe-node: %s\n", n.error().message().c_str());
    return 1;
  }
  std::unique_ptr<troupe::management_endpoint> endpoint;  // docs/management.md; asks the admin started below
  if (!http.empty()) {
    auto options = troupe::parse_http_address(http);
    auto started = options ? troupe::management_endpoint::start(**n, *options) : std::unexpected(options.error());
    if (!started) {
      std::fprintf(stderr, "troupe-node: --http: %s\n", started.error().message().c_str());
      return 1;
    }
    endpoint = std::move(*started);
  }
  troupe::cluster_services_options service_options;
  // `troupectl drain` takes the same path as SIGTERM: the main thread below does the work.
  service_options.on_drain = [] { ::kill(::getpid(), SIGTERM); };
  service_options.rebalance = rebalance;
  if (allow_faults) troupe::builtin::start_link_faults_service((*n)->system(), (*n)->net().faults());
  auto services = troupe::start_cluster_services(**n, std::move(service_options));
  troupe::demo::register_demo_actors(services->groups.get());  // the demos' actor types (examples/)
  std::printf("troupe-node %s ready on %s creation %u\n", config.name.c_str(), (*n)->address().c_str(),
              (*n)->system().creation());
  if (endpoint) std::printf("troupe-node %s http on %s\n", config.name.c_str(), endpoint->url().c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  troupe::log()->info("node '{}' stopping on signal {}: draining its global children", config.name, sig);
  // Graceful handoff: the children move to other members before this node says BYE.
  if (auto drained = services->supervisor->drain(std::chrono::milliseconds(drain_timeout_ms)); !drained)
    troupe::log()->warn("node '{}': {}", config.name, drained.error().message());
  std::printf("troupe-node %s drained\n", config.name.c_str());
  std::fflush(stdout);
  if (endpoint) endpoint->stop();  // before the node: its requests call the node's admin
  (*n)->stop();
  services.reset();
  return 0;
}
