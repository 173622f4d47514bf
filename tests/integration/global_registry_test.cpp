/// Five real nodes in one process over ZeroMQ on 127.0.0.1, each with its global registry.
/// Every wait polls with a deadline; nothing sleeps to synchronise.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <memory>
#include <thread>

#include "troupe/registry/global_registry.hpp"
#include "troupe/registry/process_groups.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/node_pair.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe::test {

using namespace std::chrono_literals;

using test::eventually;

/// N nodes, fully connected, each with its global registry and process groups.
/// (Belongs in tests/support/ once the test support owner takes it.)
class global_cluster {
 public:
  explicit global_cluster(std::size_t n, conflict_policy policy = conflict_policy::exit) : policy_(policy) {
    for (std::size_t i = 0; i < n; ++i) add_node();
  }
  ~global_cluster() {
    for (std::size_t i = 0; i < members_.size(); ++i) stop(i);
  }

  [[nodiscard]] std::size_t size() const noexcept { return members_.size(); }
  actor_system& system(std::size_t i) { return *members_[i].node->system; }
  transport::transport& net(std::size_t i) { return *members_[i].node->net; }
  global_registry& names(std::size_t i) { return *members_[i].names; }
  process_groups& groups(std::size_t i) { return *members_[i].groups; }
  [[nodiscard]] bool running(std::size_t i) const { return members_[i].node != nullptr; }

  /// Starts one more node and connects it to every running one. Returns its index.
  std::size_t add_node() {
    members_.emplace_back();
    std::size_t i = members_.size() - 1;
    start(i, unique_name("g" + std::to_string(i)), 1);
    return i;
  }
  /// Stops node i gracefully (its peers are told BYE).
  void stop(std::size_t i) {
    auto& m = members_[i];
    m.groups.reset();
    m.names.reset();
    m.node.reset();
  }
  /// Node i dies silently (the others drop its traffic, so no BYE reaches them) and a new
  /// incarnation of it, with the same name, joins.
  void crash_and_restart(std::size_t i) {
    std::string name = system(i).node_name();
    std::uint32_t creation = system(i).creation();
    for_others(i, [&](std::size_t j) { net(j).set_blocked(name, true); });
    stop(i);
    for_others(i, [&](std::size_t j) { net(j).set_blocked(name, false); });
    start(i, name, creation + 1);
  }

  /// Cuts every link between the two groups, in both directions.
  void partition(const std::vector<std::size_t>& left, const std::vector<std::size_t>& right) {
    set_blocked(left, right, true);
  }
  void heal(const std::vector<std::size_t>& left, const std::vector<std::size_t>& right) {
    set_blocked(left, right, false);
  }
  /// True once no node of one group sees any node of the other as connected.
  bool partitioned(const std::vector<std::size_t>& left, const std::vector<std::size_t>& right) {
    for (auto l : left)
      for (auto r : right)
        if (net(l).connected(system(r).node_name()) || net(r).connected(system(l).node_name())) return false;
    return true;
  }

  bool resolves_on(const std::string& name, const pid& p, const std::vector<std::size_t>& nodes) {
    for (auto i : nodes)
      if (names(i).whereis(name) != p) return false;
    return true;
  }
  bool resolves_everywhere(const std::string& name, const pid& p) { return resolves_on(name, p, running_nodes()); }
  bool gone_everywhere(const std::string& name) {
    for (auto i : running_nodes())
      if (names(i).whereis(name)) return false;
    return true;
  }
  std::vector<std::size_t> running_nodes() const {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < members_.size(); ++i)
      if (running(i)) out.push_back(i);
    return out;
  }

 private:
  struct member {
    std::unique_ptr<test_node> node;
    std::unique_ptr<global_registry> names;
    std::unique_ptr<process_groups> groups;
  };

  void start(std::size_t i, const std::string& name, std::uint32_t creation) {
    auto& m = members_[i];
    m.node = std::make_unique<test_node>(name, fast_config(), creation);
    m.names = start_global_registry(*m.node->system, *m.node->net, {.on_conflict = policy_});
    m.groups = start_process_groups(*m.node->system, *m.node->net);
    for_others(i, [&](std::size_t j) { EXPECT_TRUE(connect(*m.node, *members_[j].node, 30s)); });
  }
  template <class F>
  void for_others(std::size_t i, F&& f) {
    for (auto j : running_nodes())
      if (j != i) f(j);
  }
  void set_blocked(const std::vector<std::size_t>& left, const std::vector<std::size_t>& right, bool on) {
    for (auto l : left)
      for (auto r : right) {
        net(l).set_blocked(system(r).node_name(), on);
        net(r).set_blocked(system(l).node_name(), on);
      }
  }

  conflict_policy policy_;
  std::vector<member> members_;
};

}  // namespace troupe::test

namespace troupe {
namespace {

using namespace std::chrono_literals;
using test::eventually;
using test::ping;
using test::pong;

/// A process that answers ping with pong, as a call or to the sender.
pid spawn_echo(actor_system& sys) {
  return sys.spawn([](actor&) -> behavior {
    return {[](const ping& p) { return pong{p.n}; }};
  });
}

/// A process that ends when told to.
pid spawn_idle(actor_system& sys) {
  return sys.spawn([](actor& self) -> behavior {
    return {[&self](const test::crash& c) { self.stop(exit_reason::error(c.why)); }};
  });
}

class GlobalRegistryTest : public ::testing::Test {
 protected:
  test::global_cluster cluster{5};
  bool resolves_everywhere(const std::string& name, const pid& p) { return cluster.resolves_everywhere(name, p); }
  bool gone_everywhere(const std::string& name) { return cluster.gone_everywhere(name); }
};

TEST_F(GlobalRegistryTest, ANameRegisteredOnOneNodeResolvesOnAllFive) {
  pid p = spawn_echo(cluster.system(0));
  ASSERT_TRUE(cluster.names(0).register_name("echo", p));
  EXPECT_TRUE(eventually([&] { return resolves_everywhere("echo", p); }));
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    auto all = cluster.names(i).registered_names();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].first, "echo");
  }
}

TEST_F(GlobalRegistryTest, RegisteringATakenNameFailsAtOnceNamingTheHolder) {
  pid first = spawn_echo(cluster.system(0));
  ASSERT_TRUE(cluster.names(0).register_name("taken", first));
  ASSERT_TRUE(eventually([&] { return resolves_everywhere("taken", first); }));
  auto r = cluster.names(3).register_name("taken", spawn_echo(cluster.system(3)));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::name_taken);
  EXPECT_NE(r.error().message().find(first.to_string()), std::string::npos) << r.error().message();
}

TEST_F(GlobalRegistryTest, SendAndCallByNameReachAProcessOnAnotherNode) {
  pid p = spawn_echo(cluster.system(1));
  ASSERT_TRUE(cluster.names(1).register_name("echo", p));
  ASSERT_TRUE(eventually([&] { return resolves_everywhere("echo", p); }));

  auto reply = call<pong>(cluster.names(4), "echo", ping{7}, 10s);
  ASSERT_TRUE(reply) << reply.error().message();
  EXPECT_EQ(reply->n, 7u);

  pid forwarder = cluster.system(3).spawn([](actor& self) -> behavior {
    return {[&self](const test::forward_to& f) { self.send(f.target, pong{99}); }};
  });
  ASSERT_TRUE(cluster.names(3).register_name("forwarder", forwarder));
  ASSERT_TRUE(eventually([&] { return resolves_everywhere("forwarder", forwarder); }));
  scoped_actor probe(cluster.system(2));
  ASSERT_TRUE(cluster.names(2).send("forwarder", test::forward_to{probe.self()}));
  auto got = probe->receive<pong>(10s);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->n, 99u);
}

TEST_F(GlobalRegistryTest, CallingAnUnknownNameFailsWithNoproc) {
  auto reply = call<pong>(cluster.names(0), "nobody", ping{1}, 1s);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code(), errc::noproc);
}

TEST_F(GlobalRegistryTest, ADeadProcessNameVanishesEverywhere) {
  pid p = spawn_idle(cluster.system(2));
  ASSERT_TRUE(cluster.names(2).register_name("short-lived", p));
  ASSERT_TRUE(eventually([&] { return resolves_everywhere("short-lived", p); }));
  cluster.system(2).send(p, test::crash{"done"});
  EXPECT_TRUE(eventually([&] { return gone_everywhere("short-lived"); }));
}

TEST_F(GlobalRegistryTest, UnregisteringANameRemovesItEverywhere) {
  pid p = spawn_idle(cluster.system(0));
  ASSERT_TRUE(cluster.names(0).register_name("temp", p));
  ASSERT_TRUE(eventually([&] { return resolves_everywhere("temp", p); }));
  EXPECT_TRUE(cluster.names(0).unregister("temp"));
  EXPECT_TRUE(eventually([&] { return gone_everywhere("temp"); }));
}

TEST_F(GlobalRegistryTest, StoppingANodeDropsItsNamesEverywhere) {
  pid p = spawn_idle(cluster.system(4));
  pid q = spawn_idle(cluster.system(0));
  ASSERT_TRUE(cluster.names(4).register_name("on-four", p));
  ASSERT_TRUE(cluster.names(0).register_name("on-zero", q));
  ASSERT_TRUE(eventually([&] { return resolves_everywhere("on-four", p) && resolves_everywhere("on-zero", q); }));
  cluster.stop(4);
  EXPECT_TRUE(eventually([&] { return gone_everywhere("on-four"); }));
  EXPECT_TRUE(resolves_everywhere("on-zero", q));
}

TEST_F(GlobalRegistryTest, ConcurrentRegistrationsOfOneNameLeaveOneWinnerEverywhereAndTellTheLoser) {
  // Both registrations are made before either can have crossed the network, from two threads
  // released together. If one replica still saw the other first, that registration fails at
  // once with name_taken — also "exactly one wins"; the checks below cover both outcomes.
  // Each holder is watched from its own node: a local monitor is in the holder's signal queue
  // before the registration starts, where a remote one could still be on the wire when the
  // conflict's exit signal arrives (the DOWN would then say noproc).
  std::array<pid, 2> holders{spawn_idle(cluster.system(1)), spawn_idle(cluster.system(2))};
  scoped_actor probe1(cluster.system(1)), probe2(cluster.system(2));
  std::array<ref_id, 2> refs{probe1->monitor(holders[0]), probe2->monitor(holders[1])};
  std::array<result<void>, 2> results{result<void>{}, result<void>{}};
  std::atomic<bool> go{false};
  std::thread other([&] {
    while (!go.load()) std::this_thread::yield();
    results[1] = cluster.names(2).register_name("contested", holders[1]);
  });
  go.store(true);
  results[0] = cluster.names(1).register_name("contested", holders[0]);
  other.join();
  ASSERT_TRUE(results[0] || results[1]);

  ASSERT_TRUE(eventually([&] {
    auto w = cluster.names(0).whereis("contested");
    return w && resolves_everywhere("contested", *w);
  }));
  pid winner = *cluster.names(0).whereis("contested");
  if (results[0] && results[1]) {
    std::size_t loser = winner == holders[0] ? 1 : 0;
    auto down = (loser == 0 ? probe1 : probe2)->receive<down_msg>(20s);
    ASSERT_TRUE(down);
    EXPECT_EQ(down->ref, refs[loser]);
    EXPECT_EQ(down->reason, name_conflict_reason("contested"));
  } else {
    EXPECT_EQ(winner, results[0] ? holders[0] : holders[1]);
    EXPECT_EQ(results[0] ? results[1].error().code() : results[0].error().code(), errc::name_taken);
  }
  EXPECT_TRUE(cluster.system(winner.node == holders[0].node ? 1 : 2).alive(winner));
}

class GlobalRegistryNotifyTest : public ::testing::Test {
 protected:
  test::global_cluster notified{5, conflict_policy::notify};
};

TEST_F(GlobalRegistryNotifyTest, APartitionedNameHasOneDeterministicWinnerEverywhereAfterHealingAndTheLoserIsTold) {
  const std::vector<std::size_t> left{0, 1}, right{2, 3, 4};
  notified.partition(left, right);
  ASSERT_TRUE(eventually([&] { return notified.partitioned(left, right); }, 30s));

  scoped_actor a(notified.system(0)), b(notified.system(3));
  ASSERT_TRUE(notified.names(0).register_name("leader", a.self()));
  ASSERT_TRUE(notified.names(3).register_name("leader", b.self()));
  ASSERT_TRUE(eventually([&] {
    return notified.resolves_on("leader", a.self(), left) && notified.resolves_on("leader", b.self(), right);
  }));
  auto ea = *notified.names(0).entry("leader");
  auto eb = *notified.names(3).entry("leader");
  const bool a_wins = wins_conflict(ea, eb);
  const pid winner = a_wins ? a.self() : b.self();
  const pid loser = a_wins ? b.self() : a.self();

  notified.heal(left, right);
  EXPECT_TRUE(eventually([&] { return notified.resolves_everywhere("leader", winner); }, 30s));
  auto& loser_actor = a_wins ? b : a;
  auto told = loser_actor->receive<name_conflict>(30s);
  ASSERT_TRUE(told);
  EXPECT_EQ(told->name, "leader");
  EXPECT_EQ(told->winner, winner);
  // The loser keeps running (notify policy) but no longer holds the name anywhere.
  EXPECT_TRUE(notified.system(a_wins ? 3 : 0).alive(loser));
  EXPECT_TRUE(notified.resolves_everywhere("leader", winner));
}

TEST_F(GlobalRegistryTest, NamesFromARestartedNodesPreviousLifeAreGone) {
  pid old = spawn_idle(cluster.system(4));
  ASSERT_TRUE(cluster.names(4).register_name("from-old-life", old));
  ASSERT_TRUE(eventually([&] { return resolves_everywhere("from-old-life", old); }));
  // The node dies without saying goodbye: the others drop its traffic while it stops.
  cluster.crash_and_restart(4);
  EXPECT_TRUE(eventually([&] { return gone_everywhere("from-old-life"); }, 30s));

  pid fresh = spawn_idle(cluster.system(4));
  ASSERT_TRUE(cluster.names(4).register_name("from-new-life", fresh));
  EXPECT_TRUE(eventually([&] { return resolves_everywhere("from-new-life", fresh); }, 30s));
  EXPECT_FALSE(cluster.names(4).whereis("from-old-life"));
}

TEST_F(GlobalRegistryTest, ALateJoinerLearnsEveryExistingName) {
  pid p = spawn_idle(cluster.system(1));
  ASSERT_TRUE(cluster.names(1).register_name("early", p));
  ASSERT_TRUE(eventually([&] { return resolves_everywhere("early", p); }));
  std::size_t late = cluster.add_node();
  EXPECT_TRUE(eventually([&] { return cluster.names(late).whereis("early") == p; }, 30s));
}

// --- process groups -----------------------------------------------------------------------------

class ProcessGroupsTest : public ::testing::Test {
 protected:
  test::global_cluster cluster{5};
  /// True when every running node sees exactly `expected` (in any order) in `group`.
  bool members_everywhere(const std::string& group, std::vector<pid> expected) {
    std::sort(expected.begin(), expected.end());
    for (auto i : cluster.running_nodes()) {
      auto got = cluster.groups(i).members(group);
      std::sort(got.begin(), got.end());
      if (got != expected) return false;
    }
    return true;
  }
};

TEST_F(ProcessGroupsTest, JoinAndLeaveAreSeenOnEveryNode) {
  pid a = spawn_idle(cluster.system(0)), b = spawn_idle(cluster.system(2)), c = spawn_idle(cluster.system(4));
  ASSERT_TRUE(cluster.groups(0).join("workers", a));
  ASSERT_TRUE(cluster.groups(2).join("workers", b));
  ASSERT_TRUE(cluster.groups(4).join("workers", c));
  ASSERT_TRUE(cluster.groups(4).join("auditors", c));
  EXPECT_TRUE(eventually([&] { return members_everywhere("workers", {a, b, c}); }));
  EXPECT_EQ(cluster.groups(2).local_members("workers"), std::vector<pid>{b});
  EXPECT_TRUE(eventually([&] { return cluster.groups(1).groups() == std::vector<std::string>{"auditors", "workers"}; }));

  EXPECT_TRUE(cluster.groups(2).leave("workers", b));
  EXPECT_TRUE(eventually([&] { return members_everywhere("workers", {a, c}); }));
  EXPECT_TRUE(cluster.groups(2).local_members("workers").empty());
}

TEST_F(ProcessGroupsTest, ADeadMemberLeavesItsGroupsEverywhere) {
  pid a = spawn_idle(cluster.system(1)), b = spawn_idle(cluster.system(3));
  ASSERT_TRUE(cluster.groups(1).join("g", a));
  ASSERT_TRUE(cluster.groups(3).join("g", b));
  ASSERT_TRUE(eventually([&] { return members_everywhere("g", {a, b}); }));
  cluster.system(3).send(b, test::crash{"bye"});
  EXPECT_TRUE(eventually([&] { return members_everywhere("g", {a}); }));
}

TEST_F(ProcessGroupsTest, StoppingANodeRemovesItsMembersEverywhere) {
  pid a = spawn_idle(cluster.system(0)), b = spawn_idle(cluster.system(4));
  ASSERT_TRUE(cluster.groups(0).join("g", a));
  ASSERT_TRUE(cluster.groups(4).join("g", b));
  ASSERT_TRUE(eventually([&] { return members_everywhere("g", {a, b}); }));
  cluster.stop(4);
  EXPECT_TRUE(eventually([&] { return members_everywhere("g", {a}); }));
}

TEST_F(ProcessGroupsTest, APartitionHidesTheOtherSidesMembersUntilItHeals) {
  const std::vector<std::size_t> left{0, 1}, right{2, 3, 4};
  pid a = spawn_idle(cluster.system(0)), b = spawn_idle(cluster.system(3));
  ASSERT_TRUE(cluster.groups(0).join("g", a));
  ASSERT_TRUE(cluster.groups(3).join("g", b));
  ASSERT_TRUE(eventually([&] { return members_everywhere("g", {a, b}); }));
  cluster.partition(left, right);
  ASSERT_TRUE(eventually([&] { return cluster.partitioned(left, right); }, 30s));
  EXPECT_TRUE(eventually([&] { return cluster.groups(1).members("g") == std::vector<pid>{a}; }));
  EXPECT_TRUE(eventually([&] { return cluster.groups(2).members("g") == std::vector<pid>{b}; }));
  cluster.heal(left, right);
  EXPECT_TRUE(eventually([&] { return members_everywhere("g", {a, b}); }, 30s));
}

}  // namespace
}  // namespace troupe
