// Seeds given as names, on real nodes over ZeroMQ: `tcp://localhost:PORT` and `dns:localhost:PORT`
// through the system resolver; a `dns:` name whose records change (replicas on 127.0.0.x found
// as they appear); a lookup that hangs stalls neither the node's connections nor its stop.

#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>

#include "tests/support/eventually.hpp"
#include "tests/support/node_pair.hpp"
#include "troupe/cluster/cluster_node.hpp"

namespace troupe {
namespace {

using namespace std::chrono_literals;
using test::eventually;

std::unique_ptr<cluster_node> start_node(const std::string& name, std::string listen, std::vector<std::string> seeds,
                                 seed_resolver::resolve_function resolve = {}) {
  node_config cfg{.name = name, .threads = 1};
  cfg.transport = test::fast_config("seeds");
  cfg.transport.listen = std::move(listen);
  cfg.seeds = std::move(seeds);
  cfg.membership.gossip_interval = 100ms;
  cfg.membership.seed_refresh_interval = 50ms;
  cfg.membership.resolve = std::move(resolve);
  auto n = cluster_node::start(cfg);
  EXPECT_TRUE(n) << n.error().message();
  return n ? std::move(*n) : nullptr;
}

std::string port_of(const cluster_node& n) {
  auto a = const_cast<cluster_node&>(n).address();
  return a.substr(a.rfind(':') + 1);
}

bool sees_up(cluster_node& n, std::size_t count) { return n.membership().reachable().size() == count; }

TEST(SeedDiscoveryTest, NodesSeededByTcpLocalhostAndDnsLocalhostJoin) {
  auto n1 = start_node(test::unique_name("s1"), "tcp://127.0.0.1:*", {});
  ASSERT_TRUE(n1);
  auto n2 = start_node(test::unique_name("s2"), "tcp://127.0.0.1:*", {"tcp://localhost:" + port_of(*n1)});
  auto n3 = start_node(test::unique_name("s3"), "tcp://127.0.0.1:*", {"dns:localhost:" + port_of(*n1)});
  ASSERT_TRUE(n2 && n3);
  ASSERT_TRUE(eventually([&] { return sees_up(*n1, 3) && sees_up(*n2, 3) && sees_up(*n3, 3); }, 20s));
}

/// Records a test edits: what `svc` resolves to.
struct records {
  std::mutex mutex;
  std::map<std::string, std::vector<std::string>> ips;
  void set(const std::string& name, std::vector<std::string> v) {
    std::lock_guard lock(mutex);
    ips[name] = std::move(v);
  }
  seed_resolver::resolve_function resolver(std::shared_ptr<records> self) {
    return [self](const std::string& host) -> result<std::vector<std::string>> {
      std::lock_guard lock(self->mutex);
      auto it = self->ips.find(host);
      if (it == self->ips.end()) return fail(errc::not_found, "no such name");
      return it->second;
    };
  }
};

TEST(SeedDiscoveryTest, ADnsSeedFindsReplicasAsTheyAppearUnderTheName) {
  // Three replicas on one port, at 127.0.0.2-.4 (all of 127/8 is loopback), as replicas of one
  // service on one port at their own addresses. Only the first one is seeded by the name.
  auto dns = std::make_shared<records>();
  auto first = start_node(test::unique_name("r2"), "tcp://127.0.0.2:*", {});
  ASSERT_TRUE(first);
  auto port = port_of(*first);
  first.reset();  // a free port on every 127.0.0.x, most likely: take it for all three
  dns->set("svc", {"127.0.0.2"});  // at first only itself
  auto r2 = start_node(test::unique_name("r2"), "tcp://127.0.0.2:" + port, {"dns:svc:" + port}, dns->resolver(dns));
  auto r3 = start_node(test::unique_name("r3"), "tcp://127.0.0.3:" + port, {});
  auto r4 = start_node(test::unique_name("r4"), "tcp://127.0.0.4:" + port, {});
  ASSERT_TRUE(r2 && r3 && r4);
  ASSERT_TRUE(eventually([&] { return sees_up(*r2, 1); }, 20s)) << "alone while the name resolves to itself only";

  dns->set("svc", {"127.0.0.2", "127.0.0.3"});  // a replica appears
  ASSERT_TRUE(eventually([&] { return sees_up(*r2, 2) && sees_up(*r3, 2); }, 20s));
  dns->set("svc", {"127.0.0.2", "127.0.0.3", "127.0.0.4"});  // scaled up again
  ASSERT_TRUE(eventually([&] { return sees_up(*r2, 3) && sees_up(*r3, 3) && sees_up(*r4, 3); }, 20s));
}

TEST(SeedDiscoveryTest, ALookupThatHangsStallsNeitherTheConnectionsNorTheStop) {
  struct gate {
    std::mutex mutex;
    std::condition_variable cv;
    bool open = false;
  };
  auto g = std::make_shared<gate>();
  // As the lookup of a dead container's name on a Docker network: it hangs (here, until released).
  auto hanging = [g](const std::string&) -> result<std::vector<std::string>> {
    std::unique_lock lock(g->mutex);
    g->cv.wait(lock, [&] { return g->open; });
    return fail(errc::not_found, "no such name");
  };
  auto n1 = start_node(test::unique_name("h1"), "tcp://127.0.0.1:*", {});
  ASSERT_TRUE(n1);
  auto n2 = start_node(test::unique_name("h2"), "tcp://127.0.0.1:*", {"dns:dead:7100", n1->address()}, hanging);
  ASSERT_TRUE(n2);
  ASSERT_TRUE(eventually([&] { return sees_up(*n1, 2) && sees_up(*n2, 2); }, 20s));

  auto t0 = std::chrono::steady_clock::now();
  n2.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s) << "stopping waited for the lookup";
  {
    std::lock_guard lock(g->mutex);
    g->open = true;
  }
  g->cv.notify_all();
}

}  // namespace
}  // namespace troupe
