/// Global registry figures, five real nodes in one process over ZeroMQ on 127.0.0.1:
/// - cluster.register_visible_p50_ms / _p99_ms: from register_name on one node until whereis
///   succeeds on all four others (the broadcast's one-hop latency, as a client sees it);
/// - cluster.whereis_rate: lookups per second on one node (local snapshot reads, no messaging).

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/report.hpp"
#include "troupe/registry/global_registry.hpp"

namespace {

using namespace std::chrono_literals;

struct bench_node {
  std::unique_ptr<troupe::actor_system> system;
  std::unique_ptr<troupe::transport::transport> net;
  std::unique_ptr<troupe::global_registry> names;

  explicit bench_node(const std::string& name) {
    system = std::make_unique<troupe::actor_system>(troupe::actor_system_config{.node_name = name, .threads = 2});
    troupe::transport::transport_config cfg;
    cfg.listen = "tcp://127.0.0.1:*";
    cfg.cookie = "bench";
    net = std::make_unique<troupe::transport::transport>(*system, cfg);
    if (auto r = net->start(); !r) throw std::runtime_error(r.error().message());
    names = troupe::start_global_registry(*system, *net);
  }
  ~bench_node() {
    names.reset();
    net->stop();
    net.reset();
    system.reset();
  }
};

troupe::pid spawn_idle(troupe::actor_system& sys) {
  return sys.spawn([](troupe::actor&) -> troupe::behavior { return {[](const troupe::timeout_msg&) {}}; });
}

/// Milliseconds from registering on `from` until every other node resolves the name.
double register_visible_ms(std::vector<std::unique_ptr<bench_node>>& nodes, std::size_t from, const std::string& name) {
  auto p = spawn_idle(*nodes[from]->system);
  auto t0 = std::chrono::steady_clock::now();
  if (!nodes[from]->names->register_name(name, p)) throw std::runtime_error("register failed: " + name);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (i == from) continue;
    while (nodes[i]->names->whereis(name) != p) {
      if (troupe::bench::seconds_since(t0) > 30) throw std::runtime_error("never visible: " + name);
      std::this_thread::yield();
    }
  }
  return troupe::bench::seconds_since(t0) * 1000.0;
}

}  // namespace

int main() {
  std::vector<std::unique_ptr<bench_node>> nodes;
  for (int i = 0; i < 5; ++i) nodes.push_back(std::make_unique<bench_node>("gbench" + std::to_string(i)));
  for (std::size_t i = 0; i < nodes.size(); ++i)
    for (std::size_t j = i + 1; j < nodes.size(); ++j) {
      nodes[i]->net->connect(nodes[j]->net->address());
      if (!nodes[i]->net->wait_connected(nodes[j]->system->node_name(), 30s) ||
          !nodes[j]->net->wait_connected(nodes[i]->system->node_name(), 30s))
        throw std::runtime_error("nodes did not connect");
    }

  constexpr int samples = 200;
  std::vector<double> ms;
  for (int s = 0; s < samples; ++s) ms.push_back(register_visible_ms(nodes, s % nodes.size(), "svc-" + std::to_string(s)));
  const std::string extra = "\"nodes\": 5, \"samples\": " + std::to_string(samples);
  troupe::bench::report("cluster.register_visible_p50_ms", troupe::bench::percentile(ms, 50), "ms", extra);
  troupe::bench::report("cluster.register_visible_p99_ms", troupe::bench::percentile(ms, 99), "ms", extra);

  // Lookups over the names just registered (hits), from one thread on node 0.
  std::vector<std::string> keys;
  for (int s = 0; s < samples; ++s) keys.push_back("svc-" + std::to_string(s));
  constexpr std::size_t lookups = 5'000'000;
  std::size_t found = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < lookups; ++i) found += nodes[0]->names->whereis(keys[i % keys.size()]) ? 1 : 0;
  double secs = troupe::bench::seconds_since(t0);
  if (found != lookups) throw std::runtime_error("lookups missed");
  troupe::bench::report("cluster.whereis_rate", double(lookups) / secs, "lookups/s",
                        "\"names\": " + std::to_string(keys.size()) + ", \"threads\": 1");
  return 0;
}
