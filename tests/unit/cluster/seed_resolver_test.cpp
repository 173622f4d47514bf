// seed_resolver: the seed forms, re-resolution of dns: names (found and forgotten), one-shot
// tcp:// names, a lookup that hangs, and the system resolver on names this machine controls.
#include "troupe/cluster/seed_resolver.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>

#include "tests/support/eventually.hpp"

namespace troupe {
namespace {

using namespace std::chrono_literals;
using test::eventually;

/// A DNS the test edits while the resolver runs; shared, so a detached resolver thread may
/// outlive the test's locals safely.
struct fake_dns {
  std::mutex mutex;
  std::map<std::string, std::vector<std::string>> records;
  std::map<std::string, int> lookups;
  std::vector<std::vector<std::string>> rounds;  ///< every list `found` got

  void set(const std::string& name, std::vector<std::string> ips) {
    std::lock_guard lock(mutex);
    records[name] = std::move(ips);
  }
  void erase(const std::string& name) {
    std::lock_guard lock(mutex);
    records.erase(name);
  }
  std::vector<std::string> last() {
    std::lock_guard lock(mutex);
    return rounds.empty() ? std::vector<std::string>{"(none yet)"} : rounds.back();
  }
  int lookups_of(const std::string& name) {
    std::lock_guard lock(mutex);
    return lookups[name];
  }
  std::size_t round_count() {
    std::lock_guard lock(mutex);
    return rounds.size();
  }
};

seed_resolver::resolve_function resolve_from(std::shared_ptr<fake_dns> dns) {
  return [dns](const std::string& host) -> result<std::vector<std::string>> {
    std::lock_guard lock(dns->mutex);
    ++dns->lookups[host];
    auto it = dns->records.find(host);
    if (it == dns->records.end()) return fail(errc::not_found, "Name or service not known");
    return it->second;
  };
}

seed_resolver::found_function record_into(std::shared_ptr<fake_dns> dns) {
  return [dns](const std::vector<std::string>& endpoints) {
    std::lock_guard lock(dns->mutex);
    dns->rounds.push_back(endpoints);
  };
}

seed_name dns_name(std::string host, std::uint16_t port) { return {std::move(host), port, true}; }

TEST(SeedResolverTest, ParsesTheSeedForms) {
  auto dns = parse_seed("dns:troupe-headless.default.svc.cluster.local:7100");
  ASSERT_TRUE(dns && *dns);
  EXPECT_EQ((*dns)->host, "troupe-headless.default.svc.cluster.local");
  EXPECT_EQ((*dns)->port, 7100);
  EXPECT_TRUE((*dns)->refresh);

  auto once = parse_seed("tcp://tasks.troupe:7100");
  ASSERT_TRUE(once && *once);
  EXPECT_EQ((*once)->host, "tasks.troupe");
  EXPECT_FALSE((*once)->refresh);

  for (auto literal : {"tcp://10.0.0.7:7100", "tcp://127.0.0.1:1", "tcp://[::1]:7100", "ipc:///tmp/n1", "sim://n1"}) {
    auto p = parse_seed(literal);
    ASSERT_TRUE(p) << literal;
    EXPECT_FALSE(*p) << literal << " is an address, dialled as given";
  }
}

TEST(SeedResolverTest, RefusesSeedsWithoutAHostOrAValidPortOrAScheme) {
  for (auto bad : {"dns:svc", "dns::7100", "dns:svc:0", "dns:svc:65536", "dns:svc:7100x", "tcp://svc", "tcp://:7100",
                   "svc:7100", "10.0.0.7:7100"}) {
    auto p = parse_seed(bad);
    ASSERT_FALSE(p) << bad;
    EXPECT_NE(p.error().message().find(bad), std::string::npos) << "the message names the seed: " << p.error().message();
  }
}

TEST(SeedResolverTest, ADnsNameIsResolvedAgainSoNewReplicasAreFoundAndGoneOnesForgotten) {
  auto dns = std::make_shared<fake_dns>();
  dns->set("svc", {"10.0.0.1", "10.0.0.2"});
  seed_resolver r({dns_name("svc", 7100)}, 10ms, resolve_from(dns), record_into(dns));

  using list = std::vector<std::string>;
  ASSERT_TRUE(eventually([&] { return dns->last() == list{"tcp://10.0.0.1:7100", "tcp://10.0.0.2:7100"}; }, 5s));
  dns->set("svc", {"10.0.0.2", "10.0.0.3"});  // .1 killed, .3 scaled up
  ASSERT_TRUE(eventually([&] { return dns->last() == list{"tcp://10.0.0.2:7100", "tcp://10.0.0.3:7100"}; }, 5s))
      << "last: " << dns->last().size();
  dns->erase("svc");  // the name stops resolving: nothing is left to dial
  ASSERT_TRUE(eventually([&] { return dns->last().empty(); }, 5s));
  dns->set("svc", {"10.0.0.4"});
  ASSERT_TRUE(eventually([&] { return dns->last() == list{"tcp://10.0.0.4:7100"}; }, 5s));
}

TEST(SeedResolverTest, ATcpNameIsRetriedUntilItResolvesThenNeverLookedUpAgain) {
  auto dns = std::make_shared<fake_dns>();
  seed_resolver r({{"n1", 7101, false}}, 10ms, resolve_from(dns), record_into(dns));
  ASSERT_TRUE(eventually([&] { return dns->lookups_of("n1") >= 3; }, 5s)) << "retried while it does not resolve";
  dns->set("n1", {"10.0.0.1"});
  ASSERT_TRUE(eventually([&] { return dns->last() == std::vector<std::string>{"tcp://10.0.0.1:7101"}; }, 5s));
  int lookups = dns->lookups_of("n1");
  auto rounds = dns->round_count();
  // Its thread has ended; wait several intervals: no lookup, no round.
  std::this_thread::sleep_for(100ms);  // checking that nothing happens: no event to wait on
  EXPECT_EQ(dns->lookups_of("n1"), lookups);
  EXPECT_EQ(dns->round_count(), rounds);
}

TEST(SeedResolverTest, NamesAreMergedAndSortedAcrossSeeds) {
  auto dns = std::make_shared<fake_dns>();
  dns->set("a", {"10.0.0.2"});
  dns->set("b", {"10.0.0.1", "10.0.0.2"});
  seed_resolver r({dns_name("a", 7100), dns_name("b", 7100), dns_name("b", 7200)}, 10ms, resolve_from(dns),
                  record_into(dns));
  std::vector<std::string> want{"tcp://10.0.0.1:7100", "tcp://10.0.0.1:7200", "tcp://10.0.0.2:7100", "tcp://10.0.0.2:7200"};
  ASSERT_TRUE(eventually([&] { return dns->last() == want; }, 5s));
}

TEST(SeedResolverTest, ALookupThatHangsDelaysNeitherTheDestructorNorReportsAfterIt) {
  struct gate {
    std::mutex mutex;
    std::condition_variable cv;
    bool open = false;
    std::atomic<bool> entered{false};
  };
  auto g = std::make_shared<gate>();
  auto hanging = [g](const std::string&) -> result<std::vector<std::string>> {
    g->entered = true;
    std::unique_lock lock(g->mutex);
    g->cv.wait(lock, [&] { return g->open; });  // as a lookup of a dead container's name
    return std::vector<std::string>{"10.0.0.9"};
  };
  auto reported = std::make_shared<std::atomic<int>>(0);
  auto start = std::chrono::steady_clock::now();
  {
    seed_resolver r({dns_name("dead", 7100)}, 10ms, hanging, [reported](const auto&) { ++*reported; });
    ASSERT_TRUE(eventually([&] { return g->entered.load(); }, 5s));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s) << "the destructor waited for the lookup";
  {
    std::lock_guard lock(g->mutex);
    g->open = true;
  }
  g->cv.notify_all();
  std::this_thread::sleep_for(50ms);  // checking that nothing happens: no event to wait on
  EXPECT_EQ(*reported, 0) << "found ran after the destructor";
}

TEST(SeedResolverTest, TheSystemResolverFindsLocalhostAndRefusesANameThatCannotExist) {
  auto resolve = seed_resolver::system_resolver();
  auto local = resolve("localhost");
  ASSERT_TRUE(local) << local.error().message();
  EXPECT_NE(std::find(local->begin(), local->end(), "127.0.0.1"), local->end());
  auto missing = resolve("troupe-seed-test.invalid");  // RFC 6761: .invalid never resolves
  EXPECT_FALSE(missing);
}

TEST(SeedResolverTest, RecognisesThisNodesOwnEndpoints) {
  EXPECT_TRUE(is_own_endpoint("tcp://10.9.9.9:7100", "tcp://10.9.9.9:7100", "tcp://0.0.0.0:7100"));
  EXPECT_TRUE(is_own_endpoint("tcp://127.0.0.1:7100", "tcp://10.9.9.9:7100", "tcp://0.0.0.0:7100"))
      << "listening on every interface: loopback is this node";
  EXPECT_FALSE(is_own_endpoint("tcp://127.0.0.1:7100", "tcp://127.0.0.2:7100", "tcp://127.0.0.2:7100"))
      << "bound to one address: another address with the same port is another node";
  EXPECT_FALSE(is_own_endpoint("tcp://127.0.0.1:7101", "tcp://10.9.9.9:7100", "tcp://0.0.0.0:7100")) << "another port";
  EXPECT_FALSE(is_own_endpoint("tcp://192.0.2.1:7100", "tcp://10.9.9.9:7100", "tcp://0.0.0.0:7100"))
      << "TEST-NET-1 is nobody's";
}

}  // namespace
}  // namespace troupe
