// The global supervisor over three to five real nodes in one process (ZeroMQ on 127.0.0.1,
// aggressive failure detection): placement, failover, partitions under quorum, restarts.
// Copies are counted from each node's own list of the children it runs, never guessed by time.

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "troupe/cluster/global_supervisor.hpp"
#include "troupe/cluster/cluster_node.hpp"
#include "troupe/node/call.hpp"
#include "troupe/node/spawner.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/node_pair.hpp"
#include "tools/troupe_node/builtin_actors.hpp"

namespace troupe {
namespace {

using namespace std::chrono_literals;

#if defined(__SANITIZE_THREAD__)
constexpr bool under_thread_sanitizer = true;
#else
constexpr bool under_thread_sanitizer = false;
#endif

using test::eventually;

class GlobalSupervisorTest : public ::testing::Test {
 protected:
  std::vector<std::unique_ptr<cluster_node>> nodes;
  std::vector<std::unique_ptr<global_supervisor>> sups;
  std::vector<std::string> names;

  void SetUp() override { builtin::register_builtin_actors(); }
  void TearDown() override {
    for (std::size_t i = 0; i < nodes.size(); ++i) stop_node(i);
  }

  void start_cluster(std::size_t n, global_supervisor_options options = {}) {
    for (std::size_t i = 0; i < n; ++i) add_node("gs" + std::to_string(i), options);
    ASSERT_TRUE(eventually([&] {
      for (auto& nd : nodes)
        if (nd->membership().reachable().size() != n) return false;
      return true;
    }));
  }
  /// Starts one more node, dials every earlier one, and starts its global supervisor.
  void add_node(const std::string& prefix, const global_supervisor_options& options) {
    names.push_back(test::unique_name(prefix));
    node_config cfg{.name = names.back(), .threads = 2};
    cfg.transport = test::fast_config("gs");
    cfg.membership.gossip_interval = 100ms;
    auto started = cluster_node::start(cfg);
    ASSERT_TRUE(started) << started.error().message();
    nodes.push_back(std::move(*started));
    // Dial every earlier node once membership listens; each pair is dialled from one side only.
    ASSERT_TRUE(eventually([&] { return nodes.back()->system().whereis("troupe.membership").has_value(); }));
    for (std::size_t j = 0; j + 1 < nodes.size(); ++j) nodes.back()->net().connect(nodes[j]->address());
    sups.push_back(start_global_supervisor(*nodes.back(), options));
  }
  void stop_node(std::size_t i) {
    if (!nodes[i]) return;
    nodes[i]->stop();
    sups[i].reset();
    nodes[i].reset();
  }
  void partition(const std::vector<std::size_t>& a, const std::vector<std::size_t>& b, bool cut) {
    for (auto x : a)
      for (auto y : b) {
        nodes[x]->net().set_blocked(names[y], cut);
        nodes[y]->net().set_blocked(names[x], cut);
      }
  }

  /// child id → the nodes (indexes) whose local state says they run it, read in `order`.
  std::map<std::string, std::vector<std::size_t>> copies(const std::vector<std::size_t>& order) {
    std::map<std::string, std::vector<std::size_t>> out;
    for (auto i : order)
      if (sups[i])
        for (auto& [id, p] : sups[i]->local_children()) out[id].push_back(i);
    return out;
  }
  std::vector<std::size_t> live() {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < nodes.size(); ++i)
      if (nodes[i]) out.push_back(i);
    return out;
  }
  std::string owner_among(const std::string& id, const std::vector<std::size_t>& idx) {
    std::vector<std::string> members;
    for (auto i : idx) members.push_back(names[i]);
    std::sort(members.begin(), members.end());
    return *rendezvous_placement{}.owner({id}, members);
  }
  /// Every id runs exactly once, on its rendezvous owner among `idx`, and nowhere else.
  bool placed_exactly_once(const std::vector<std::string>& ids, const std::vector<std::size_t>& idx) {
    auto c = copies(live());
    for (auto& id : ids) {
      auto it = c.find(id);
      if (it == c.end() || it->second.size() != 1 || names[it->second[0]] != owner_among(id, idx)) return false;
    }
    return true;
  }
  /// Every id runs on exactly one live node, wherever that is.
  bool runs_exactly_once(const std::vector<std::string>& ids) {
    auto c = copies(live());
    for (auto& id : ids)
      if (c[id].size() != 1) return false;
    return true;
  }
  /// The value of counter child `id`, read where it runs now.
  std::optional<std::int64_t> counter_of(const std::string& id) {
    auto c = copies(live());
    if (c[id].size() != 1) return std::nullopt;
    auto where = c[id][0];
    auto p = pid_of(where, id);
    if (!p) return std::nullopt;
    auto v = call<builtin::counter_value>(nodes[where]->system(), *p, builtin::counter_get{}, 10s);
    if (!v) return std::nullopt;
    return v->n;
  }
  std::vector<std::string> start_counters(std::size_t n, const std::string& prefix) {
    std::vector<std::string> ids;
    for (std::size_t k = 0; k < n; ++k) {
      ids.push_back(prefix + std::to_string(k));
      auto& from = *sups[k % sups.size()];  // from every node in turn
      EXPECT_TRUE(from.start_child({.id = ids.back(), .type = "counter", .args = spawn_args(std::int64_t(k))}));
    }
    return ids;
  }
  /// What every node believes, for failure messages.
  std::string dump(const std::vector<std::string>& ids, const std::vector<std::size_t>& idx) {
    std::string out;
    auto c = copies(live());
    for (auto& id : ids) {
      out += id + " owner " + owner_among(id, idx) + " runs on:";
      for (auto i : c[id]) out += " " + names[i];
      out += "; seen as:";
      for (auto i : live())
        for (auto& k : sups[i]->which_children())
          if (k.id == id) out += " [" + names[i] + ": " + k.node + (k.failed ? " failed" : "") + "]";
      out += "\n";
    }
    return out;
  }
  std::optional<pid> pid_of(std::size_t i, const std::string& id) {
    for (auto& [cid, p] : sups[i]->local_children())
      if (cid == id) return p;
    return std::nullopt;
  }
};

TEST_F(GlobalSupervisorTest, ChildrenStartedFromAnyNodeRunOnceOnTheirRendezvousOwner) {
  start_cluster(3);
  auto ids = start_counters(30, "c");
  ASSERT_TRUE(eventually([&] { return placed_exactly_once(ids, {0, 1, 2}); })) << dump(ids, {0, 1, 2});
  auto c = copies({0, 1, 2});
  std::set<std::size_t> used;
  for (auto& [id, where] : c) used.insert(where[0]);
  EXPECT_EQ(used.size(), 3u) << "30 children spread over all three nodes";
  ASSERT_TRUE(eventually([&] {
    for (auto& s : sups) {
      auto kids = s->which_children();
      if (kids.size() != ids.size()) return false;
      for (auto& k : kids)
        if (k.node != owner_among(k.id, {0, 1, 2}) || !k.child) return false;
    }
    return true;
  })) << "every node's which_children agrees on where each child runs";
  EXPECT_FALSE(sups[0]->start_child({.id = "c0", .type = "counter"})) << "ids are unique";
  EXPECT_FALSE(sups[0]->start_child({.id = "x", .type = "no-such-type"}));
}

TEST_F(GlobalSupervisorTest, ANamedChildResolvesFromEveryNode) {
  start_cluster(3);
  ASSERT_TRUE(sups[1]->start_child({.id = "named", .type = "counter", .args = spawn_args(std::int64_t(7)), .name = "the-counter"}));
  ASSERT_TRUE(eventually([&] {
    for (auto& s : sups)
      if (!s->whereis("the-counter")) return false;
    return true;
  }));
  auto p = *sups[2]->whereis("the-counter");
  auto v = call<builtin::counter_value>(nodes[2]->system(), p, builtin::counter_get{}, 10s);
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(v->n, 7);
}

TEST_F(GlobalSupervisorTest, ChildrenOfAStoppedNodeRunAgainOnceOnASurvivorAndAnswer) {
  start_cluster(3);
  auto ids = start_counters(12, "f");
  ASSERT_TRUE(eventually([&] { return placed_exactly_once(ids, {0, 1, 2}); }));
  // Stop the busiest node, so that something moves whatever the hashing gave it.
  std::size_t victim = 0;
  for (std::size_t i = 1; i < 3; ++i)
    if (sups[i]->local_children().size() > sups[victim]->local_children().size()) victim = i;
  std::vector<std::string> moved;
  for (auto& [id, p] : sups[victim]->local_children()) moved.push_back(id);
  ASSERT_FALSE(moved.empty());
  stop_node(victim);
  auto survivors = live();
  ASSERT_TRUE(eventually([&] { return placed_exactly_once(ids, survivors); })) << dump(ids, survivors);
  for (auto& id : moved) {
    auto where = copies(survivors)[id][0];
    auto v = call<builtin::counter_value>(nodes[where]->system(), *pid_of(where, id), builtin::counter_get{}, 10s);
    ASSERT_TRUE(v) << id << ": " << v.error().message();
  }
}

TEST_F(GlobalSupervisorTest, APartitionRunsEveryChildOnlyOnTheMajorityAndNeverTwice) {
  // Five in-process nodes under ThreadSanitizer on two cores miss their heartbeats and flap, and
  // after the heal the cluster does not settle within the deadline (open: see the closing note of
  // issue #6). These cuts run in the Release suite, and the same logic runs across real processes
  // in global_failover_tests and in the simulation.
  if (under_thread_sanitizer) GTEST_SKIP() << "five in-process nodes flap under ThreadSanitizer";
  start_cluster(5);
  auto ids = start_counters(25, "p");
  ASSERT_TRUE(eventually([&] { return placed_exactly_once(ids, {0, 1, 2, 3, 4}); }));

  // Sample the copies of every child all through the partition and the heal. A child read on
  // node A and then on node B may be caught mid-move; it counts as a duplicate only if a second
  // read in the reverse order sees it twice too.
  std::atomic<bool> sampling{true};
  std::atomic<std::size_t> duplicates{0}, samples{0};
  std::string duplicate;
  std::atomic<int> phase{0};  // 0 cut, 1 minority stopped, 2 healing
  std::thread sampler([&] {
    while (sampling) {
      auto forward = copies({0, 1, 2, 3, 4});
      auto backward = copies({4, 3, 2, 1, 0});
      for (auto& [id, where] : forward)
        if (where.size() > 1 && backward[id].size() > 1 && duplicates++ == 0) {
          duplicate = id + " in phase " + std::to_string(phase.load()) + " on nodes";
          for (auto i : where) duplicate += " " + std::to_string(i);
        }
      ++samples;
      std::this_thread::sleep_for(2ms);
    }
  });

  struct join_on_exit {
    std::atomic<bool>& flag;
    std::thread& t;
    ~join_on_exit() {
      flag = false;
      if (t.joinable()) t.join();
    }
  } guard{sampling, sampler};

  partition({0, 1, 2}, {3, 4}, true);
  ASSERT_TRUE(eventually([&] { return !nodes[3]->membership().has_quorum() && !nodes[4]->membership().has_quorum(); }));
  ASSERT_TRUE(eventually([&] {
    auto c = copies({3, 4});
    return c.empty() && placed_exactly_once(ids, {0, 1, 2});
  })) << "the minority stops its children; the majority runs each once\n" << dump(ids, {0, 1, 2});
  phase = 2;
  partition({0, 1, 2}, {3, 4}, false);
  // Rebalancing is off: the children the majority took over stay there after the heal.
  ASSERT_TRUE(eventually([&] {
    auto c = copies({3, 4});
    return c.empty() && placed_exactly_once(ids, {0, 1, 2});
  }));
  ASSERT_TRUE(eventually([&] {
    for (auto i : live())
      if (sups[i]->which_children().size() != ids.size()) return false;
    for (auto i : live())
      for (auto& k : sups[i]->which_children())
        if (k.node.empty()) return false;
    return true;
  })) << "every node, the healed ones included, knows where each child runs";
  sampling = false;
  sampler.join();
  EXPECT_GT(samples.load(), 10u);
  EXPECT_EQ(duplicates.load(), 0u) << "first duplicate: " << duplicate;
}

/// Mixed clusters (docs/library.md): each node hosts its own set of types; a child is placed only
/// on a node that hosts its type, waits (with the reason) while none is up, and moves only
/// between hosts.
TEST_F(GlobalSupervisorTest, AChildRunsOnlyOnNodesThatHostItsTypeAndWaitsWhileNoneIsUp) {
  if (under_thread_sanitizer) GTEST_SKIP() << "four in-process nodes flap under ThreadSanitizer (the package test runs this across processes)";
  global_supervisor_options echo_only, hosts_counter;
  echo_only.hosted_types = std::vector<std::string>{"echo"};
  hosts_counter.hosted_types = std::vector<std::string>{"counter", "echo"};
  add_node("plain", echo_only);
  add_node("plain", echo_only);
  ASSERT_TRUE(eventually([&] { return nodes[0]->membership().reachable().size() == 2; }));
  // The spec is accepted (this process registers `counter`) though no member hosts it yet.
  ASSERT_TRUE(sups[0]->start_child({.id = "tally", .type = "counter", .args = spawn_args(std::int64_t(7))}));
  auto waiting = [&](std::size_t i) {
    for (auto& c : sups[i]->which_children())
      if (c.id == "tally") return c.waiting;
    return std::string("(no such child)");
  };
  ASSERT_TRUE(eventually([&] { return waiting(0) == "no live node hosts actor type 'counter'" && !waiting(1).empty(); }))
      << waiting(0);
  EXPECT_TRUE(copies(live()).empty());

  add_node("host", hosts_counter);  // node 2: the first host
  ASSERT_TRUE(eventually([&] { return copies(live())["tally"] == std::vector<std::size_t>{2}; })) << waiting(0);
  EXPECT_TRUE(eventually([&] { return waiting(0).empty() && waiting(1).empty(); }));
  add_node("host", hosts_counter);  // node 3: a second host, which the hash may or may not prefer
  ASSERT_TRUE(eventually([&] { return nodes[3]->membership().reachable().size() == 4; }));

  // Kill the host that runs it: it moves to the other host, never to a node without the type.
  auto before = copies(live())["tally"];
  ASSERT_EQ(before.size(), 1u);
  const std::size_t other = before[0] == 2 ? 3 : 2;
  stop_node(before[0]);
  bool only_on_hosts = true;
  ASSERT_TRUE(eventually([&] {
    auto c = copies(live());
    for (auto i : c["tally"]) only_on_hosts &= (i == 2 || i == 3);
    return c["tally"] == std::vector<std::size_t>{other};
  })) << waiting(0);
  EXPECT_TRUE(only_on_hosts);
  // A type nobody hosts, and no process registers: a clear error where the mistake is made.
  auto unknown = sups[0]->start_child({.id = "typo", .type = "countr"});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("no node of the cluster hosts actor type 'countr'"), std::string::npos)
      << unknown.error().message();
}

TEST_F(GlobalSupervisorTest, ACrashedChildRestartsOnItsOwnerUntilTheIntensityIsExceeded) {
  global_supervisor_options options;
  options.max_restarts = 3;
  options.max_restart_window = 60s;  // every crash below falls in the window, however slow the machine
  start_cluster(3, options);
  ASSERT_TRUE(sups[0]->start_child({.id = "crashy", .type = "counter"}));
  ASSERT_TRUE(eventually([&] { return placed_exactly_once({"crashy"}, {0, 1, 2}); }));
  auto owner = copies({0, 1, 2})["crashy"][0];
  for (int crash = 1; crash <= 3; ++crash) {
    auto before = *pid_of(owner, "crashy");
    nodes[owner]->system().exit(before, exit_reason::kill());
    ASSERT_TRUE(eventually([&] {
      auto now = pid_of(owner, "crashy");
      return now && *now != before && nodes[owner]->system().alive(*now);
    })) << "restart " << crash;
    ASSERT_TRUE(eventually([&] {
      for (auto& k : sups[owner]->which_children())
        if (k.id == "crashy") return k.restarts == std::uint32_t(crash);
      return false;
    }));
  }
  EXPECT_EQ(copies({0, 1, 2})["crashy"].size(), 1u);
  nodes[owner]->system().exit(*pid_of(owner, "crashy"), exit_reason::kill());
  ASSERT_TRUE(eventually([&] {
    for (auto& s : sups) {
      auto kids = s->which_children();
      if (kids.size() != 1 || !kids[0].failed) return false;
    }
    return copies({0, 1, 2}).empty();
  })) << "the fourth exit within the window marks it failed everywhere, and it runs nowhere";
}

TEST_F(GlobalSupervisorTest, ADrainedNodeHandsItsChildrenOffWithTheirSnapshotsBeforeItLeaves) {
  start_cluster(3);
  auto ids = start_counters(9, "d");
  ASSERT_TRUE(eventually([&] { return placed_exactly_once(ids, {0, 1, 2}); }));
  std::size_t victim = 0;
  for (std::size_t i = 1; i < 3; ++i)
    if (sups[i]->local_children().size() > sups[victim]->local_children().size()) victim = i;
  std::vector<std::string> moved;
  for (auto& [id, p] : sups[victim]->local_children()) moved.push_back(id);
  ASSERT_FALSE(moved.empty());
  // Each counter's value changes only after it started: the new value must travel with it.
  for (auto& id : moved) {
    auto v = call<builtin::counter_value>(nodes[victim]->system(), *pid_of(victim, id), builtin::counter_inc{1000}, 10s);
    ASSERT_TRUE(v) << v.error().message();
  }
  auto drained = sups[victim]->drain(20s);
  ASSERT_TRUE(drained) << drained.error().message();
  EXPECT_TRUE(sups[victim]->local_children().empty());
  std::vector<std::size_t> others;
  for (auto i : live())
    if (i != victim) others.push_back(i);
  ASSERT_TRUE(eventually([&] { return placed_exactly_once(ids, others); })) << dump(ids, others);
  for (auto& id : moved) {
    std::int64_t start = std::stoll(id.substr(1));
    EXPECT_EQ(counter_of(id), start + 1000) << id << " resumed from its snapshot";
  }
  EXPECT_TRUE(sups[0]->start_child({.id = "late", .type = "counter"}));
  ASSERT_TRUE(eventually([&] { return placed_exactly_once({"late"}, others); }))
      << "nothing new is placed on a draining node";
}

TEST_F(GlobalSupervisorTest, ACounterResumesFromItsSnapshotAfterItsNodeIsLost) {
  start_cluster(3);
  ASSERT_TRUE(sups[0]->start_child({.id = "snap", .type = "counter", .args = spawn_args(std::int64_t(5))}));
  ASSERT_TRUE(eventually([&] { return placed_exactly_once({"snap"}, {0, 1, 2}); }));
  auto owner = copies({0, 1, 2})["snap"][0];
  for (int k = 0; k < 3; ++k)
    ASSERT_TRUE(call<builtin::counter_value>(nodes[owner]->system(), *pid_of(owner, "snap"), builtin::counter_inc{10}, 10s));
  // A save travels to the successor on its own; the inc's reply may overtake it (the staleness
  // bound of global_snapshot.hpp). Wait until the successor holds the last one, then cut the
  // owner off (no BYE): the others take over after the grace.
  std::vector<std::size_t> others;
  for (auto i : live())
    if (i != owner) others.push_back(i);
  auto successor = owner_among("snap", others);
  std::size_t next = names[others[0]] == successor ? others[0] : others[1];
  ASSERT_TRUE(eventually([&] { return sups[next]->snapshot("snap") == spawn_args(std::int64_t(35)); }));
  partition({owner}, others, true);
  ASSERT_TRUE(eventually([&] {
    auto c = copies(others);
    return c["snap"].size() == 1;
  }));
  auto where = copies(others)["snap"][0];
  auto v = call<builtin::counter_value>(nodes[where]->system(), *pid_of(where, "snap"), builtin::counter_get{}, 10s);
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(v->n, 35);
}

TEST_F(GlobalSupervisorTest, AJoiningNodeTakesNoRunningChildWithoutRebalancingAndItsShareWithIt) {
  for (bool rebalance : {false, true}) {
    SCOPED_TRACE(rebalance ? "rebalance on" : "rebalance off");
    global_supervisor_options options;
    options.rebalance = rebalance;
    options.rebalance_per_second = 1000;
    start_cluster(2, options);
    auto ids = start_counters(20, rebalance ? "r" : "s");
    ASSERT_TRUE(eventually([&] { return placed_exactly_once(ids, {0, 1}); }));
    add_node("gs-late", options);  // a third node joins
    if (rebalance) {
      ASSERT_TRUE(eventually([&] { return placed_exactly_once(ids, {0, 1, 2}); })) << dump(ids, {0, 1, 2});
      EXPECT_FALSE(sups[2]->local_children().empty());
    } else {
      // Wait until the newcomer knows every child's place, then check nothing moved to it.
      ASSERT_TRUE(eventually([&] {
        auto kids = sups[2]->which_children();
        if (kids.size() != ids.size()) return false;
        for (auto& k : kids)
          if (k.node.empty()) return false;
        return true;
      }));
      EXPECT_TRUE(sups[2]->local_children().empty());
      EXPECT_TRUE(placed_exactly_once(ids, {0, 1}));
    }
    for (std::size_t i = 0; i < nodes.size(); ++i) stop_node(i);
    nodes.clear();
    sups.clear();
    names.clear();
  }
}

TEST_F(GlobalSupervisorTest, ABridgePartitionRunsNoChildTwice) {
  // Five in-process nodes under ThreadSanitizer on two cores miss their heartbeats and flap, and
  // after the heal the cluster does not settle within the deadline (open: see the closing note of
  // issue #6). These cuts run in the Release suite, and the same logic runs across real processes
  // in global_failover_tests and in the simulation.
  if (under_thread_sanitizer) GTEST_SKIP() << "five in-process nodes flap under ThreadSanitizer";
  // {0,1} and {3,4} cannot see each other; node 2 sees everyone. Each side sees three of five
  // nodes — two overlapping "majorities" — and must not start the other side's children.
  start_cluster(5);
  auto ids = start_counters(20, "b");
  ASSERT_TRUE(eventually([&] { return placed_exactly_once(ids, {0, 1, 2, 3, 4}); }));
  partition({0, 1}, {3, 4}, true);
  ASSERT_TRUE(eventually([&] {
    return nodes[0]->membership().reachable().size() == 3 && nodes[3]->membership().reachable().size() == 3;
  })) << "each side has lost the other";
  // Past the takeover grace, sample for a while: every child runs once, none twice.
  auto until = std::chrono::steady_clock::now() + 3s;
  std::size_t samples = 0;
  while (std::chrono::steady_clock::now() < until) {
    auto forward = copies({0, 1, 2, 3, 4});
    auto backward = copies({4, 3, 2, 1, 0});
    for (auto& [id, where] : forward)
      ASSERT_FALSE(where.size() > 1 && backward[id].size() > 1) << id << " runs twice\n" << dump(ids, {0, 1, 2, 3, 4});
    ++samples;
    std::this_thread::sleep_for(5ms);  // the sampling period of a fixed observation window
  }
  EXPECT_GT(samples, 10u);
  EXPECT_TRUE(runs_exactly_once(ids)) << dump(ids, {0, 1, 2, 3, 4});
  partition({0, 1}, {3, 4}, false);
  ASSERT_TRUE(eventually([&] {
    for (auto& nd : nodes)
      if (nd->membership().reachable().size() != 5) return false;
    return runs_exactly_once(ids);
  }));
}

}  // namespace
}  // namespace troupe
