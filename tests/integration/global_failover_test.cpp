// The global supervisor across real troupe-node processes (3 and 5 of them), driven through
// their admin processes as troupectl does: kill -9 of an owner, SIGSTOP and SIGCONT, drain by
// admin call and by SIGTERM, a snapshot surviving a crash, and a minority that stops its
// children while the majority runs them.
//
// The partition uses netlab (tools/netlab: each node in a network namespace of its own, cut by
// iptables) rather than SIGSTOP, so that both sides stay alive and their failure detectors decide;
// it is skipped where namespaces cannot be made (not root, no iproute2).
//
// "Runs" means what a node says of itself (each node is the only authority on what it runs), so
// a duplicate is two live nodes each saying they run a child at the same moment; see
// troupe_cluster::duplicates() for how a sampling round proves that.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "troupe/cluster/global_snapshot.hpp"
#include "troupe/node/spawner.hpp"
#include "tests/support/netlab_run.hpp"
#include "tests/support/troupe_cluster.hpp"

namespace troupe {
namespace {

using namespace std::chrono_literals;
using test::troupe_cluster;

constexpr auto settle_timeout = 20s;

class GlobalFailoverTest : public ::testing::Test {
 protected:
  /// Starts `nodes` troupe-nodes with the aggressive detector profile, and `children` counters
  /// (ids c0, c1, ..., each registered under its id), started from every node in turn.
  void start(std::size_t nodes, std::size_t children) {
    cluster = std::make_unique<troupe_cluster>(
        test::troupe_cluster_options{.binary = TROUPE_NODE_BINARY, .nodes = nodes, .cookie = "failover"});
    auto started = cluster->start();
    ASSERT_TRUE(started) << started.error().message();
    start_counters(children);
  }

  /// The node running the most children (at least two of them with enough children).
  std::size_t busiest() const {
    std::map<std::string, int> count;
    for (auto& [id, n] : where) ++count[n];
    auto best = std::max_element(count.begin(), count.end(), [](auto& a, auto& b) { return a.second < b.second; });
    return *cluster->index_of(best->first);
  }

  std::vector<std::string> children_of(std::size_t node) const {
    std::vector<std::string> out;
    for (auto& [id, n] : where)
      if (n == cluster->name(node)) out.push_back(id);
    return out;
  }

  /// Starts `children` counters through every node in turn and waits until they are placed.
  void start_counters(std::size_t children) {
    for (std::size_t k = 0; k < children; ++k) {
      ids.push_back("c" + std::to_string(k));
      auto ok = cluster->start_counter(k % cluster->size(), ids.back());
      ASSERT_TRUE(ok) << ok.error().message();
    }
    ASSERT_TRUE(troupe_cluster::eventually([&] { return cluster->settled(ids, &where); }, settle_timeout))
        << "the children were not all placed, once each";
  }

  /// Waits until the children are settled on live nodes, checking for duplicates at every round.
  bool settle_sampling_duplicates() {
    return troupe_cluster::eventually(
        [&] {
          for (auto& id : cluster->duplicates()) duplicated.insert(id);
          ++rounds;
          return cluster->settled(ids, &where);
        },
        settle_timeout, 0ms);
  }

  /// Waits until `name` answers a call through node `i` (its global name may still be on its way).
  bool answers(std::size_t i, const std::string& name) {
    return troupe_cluster::eventually([&] { return cluster->counter_get(i, name, 300).has_value(); }, 10s);
  }

  /// Every child answers a call by its global name through every live node.
  void expect_all_answer_by_name() {
    for (auto& id : ids)
      for (auto i : cluster->live())
        EXPECT_TRUE(answers(i, id)) << id << " does not answer by name through " << cluster->name(i);
  }

  /// Drains the busiest node (by admin call or SIGTERM) after bumping one of its counters, and
  /// checks that its children ran elsewhere before it printed "drained" (so before it stopped),
  /// with the counter's value carried over.
  void drain_busiest(bool by_signal) {
    const auto victim = busiest();
    const auto moved = children_of(victim);
    auto& c = *cluster;
    const std::string counter = moved.front();
    ASSERT_TRUE(answers(victim, counter));
    std::int64_t expected = 0;
    for (std::int64_t by : {1, 2, 3}) {
      expected += by;
      ASSERT_EQ(c.counter_inc(victim, counter, by), expected);
    }
    if (by_signal) {
      c.terminate(victim);
    } else {
      auto done = c.ask<admin_done>(victim, admin_drain{});
      ASSERT_TRUE(done && done->ok);
      c.forget(victim);
    }
    const std::string drained_line = "troupe-node " + c.name(victim) + " drained";
    std::optional<std::string> line;
    while ((line = c.at(victim).process->read_line(20s)) && *line != drained_line) {
    }
    ASSERT_TRUE(line) << c.name(victim) << " never said it was drained";
    const auto drained_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();

    ASSERT_TRUE(settle_sampling_duplicates());
    EXPECT_TRUE(duplicated.empty()) << "run on two live nodes at once: " << *duplicated.begin();
    for (auto i : c.live()) {
      auto children = c.children(i);
      ASSERT_TRUE(children);
      for (auto& child : *children)
        if (std::find(moved.begin(), moved.end(), child.id) != moved.end()) {
          EXPECT_LE(child.last_moved_ms, drained_ms) << child.id << " started on " << child.node << " only after the drain ended";
        }
    }
    std::optional<std::int64_t> value;
    ASSERT_TRUE(troupe_cluster::eventually([&] { return (value = c.counter_get(c.live().front(), counter, 300)).has_value(); }, 10s));
    EXPECT_EQ(*value, expected) << "the counter did not resume from its snapshot";
    auto status = c.at(victim).process->wait_exit(20s);
    ASSERT_TRUE(status) << c.name(victim) << " did not exit after draining";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  }

  std::unique_ptr<troupe_cluster> cluster;
  std::vector<std::string> ids;
  std::map<std::string, std::string> where;  ///< child id → node, as last settled
  std::set<std::string> duplicated;
  int rounds = 0;
};

TEST_F(GlobalFailoverTest, ChildrenOfAKilledOwnerRunAgainExactlyOnceOnSurvivorsAndAnswerByName) {
  ASSERT_NO_FATAL_FAILURE(start(5, 15));
  const auto victim = busiest();
  const auto moved = children_of(victim);
  ASSERT_GE(moved.size(), 2u);

  cluster->kill(victim);
  ASSERT_TRUE(settle_sampling_duplicates()) << "the children of " << cluster->name(victim) << " did not run again";
  EXPECT_TRUE(duplicated.empty()) << "run on two live nodes at once: " << *duplicated.begin();
  EXPECT_GT(rounds, 1);
  for (auto& id : moved) EXPECT_NE(where[id], cluster->name(victim)) << id;
  expect_all_answer_by_name();
  EXPECT_TRUE(cluster->duplicates().empty());
}

/// What node i says of `node`'s state ("up", "down", "left", ...); empty if it does not know it.
std::string state_seen(troupe_cluster& c, std::size_t i, const std::string& node) {
  auto r = c.ask<admin_members_reply>(i, admin_members{});
  if (r)
    for (auto& m : r->members)
      if (m.name == node) return m.state;
  return {};
}

/// id -> pid of the global children nodes 0 and 1 say they run.
test::own_children_map running_on_nodes_0_and_1(troupe_cluster& c) {
  test::own_children_map out;
  for (std::size_t i : {0u, 1u})
    if (auto own = c.own_children(i)) out.insert(own->begin(), own->end());
  return out;
}

// Akka's `down`: a member that died for good is removed by an operator and stops counting toward
// quorum everywhere. Without it, three nodes with a dead one and a fourth joining count 2 of 4
// (no quorum: every child stops), and losing the fourth again leaves 2 of 4 for good.
TEST_F(GlobalFailoverTest, ADeadMemberRemovedWithDownNoLongerCountsTowardQuorum) {
  ASSERT_NO_FATAL_FAILURE(start(3, 6));
  const std::string dead = cluster->name(2);
  cluster->kill(2);
  ASSERT_TRUE(settle_sampling_duplicates()) << "the children of the killed node did not run again";
  ASSERT_TRUE(troupe_cluster::eventually([&] { return state_seen(*cluster, 1, dead) == "down"; }, settle_timeout));

  auto refused = cluster->ask<admin_done>(0, admin_down{cluster->name(1)});
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->ok) << "a member that is up must not be removed";
  EXPECT_NE(refused->error.find("is up"), std::string::npos) << refused->error;
  auto removed = cluster->ask<admin_done>(0, admin_down{dead});
  ASSERT_TRUE(removed);
  ASSERT_TRUE(removed->ok) << removed->error;
  // Node 0 removed it; node 1 learns it from the gossip.
  ASSERT_TRUE(troupe_cluster::eventually([&] { return state_seen(*cluster, 1, dead) == "left"; }, settle_timeout));

  // A fourth node joins: no child stops or restarts meanwhile (rebalancing is off by default,
  // so every child keeps its process).
  auto running = [&] { return running_on_nodes_0_and_1(*cluster); };
  const auto before = where;
  const auto own_before = running();
  ASSERT_EQ(own_before.size(), ids.size());
  auto fourth = cluster->add_node();
  ASSERT_TRUE(fourth) << fourth.error().message();
  ASSERT_TRUE(settle_sampling_duplicates());
  EXPECT_EQ(running(), own_before) << "a child stopped or restarted while the fourth node joined";
  EXPECT_EQ(where, before);

  // Losing the fourth leaves 2 of 3 counted members: a majority, so its child runs again on
  // one of the others (a restart needs quorum; 2 of 4 would have none).
  const std::string fourth_name = cluster->name(*fourth);
  ids.push_back("on-fourth");
  auto placed = cluster->start_child(0, admin_start_child{.id = "on-fourth", .type = "counter",
                                                          .args = troupe_cluster::pack(std::int64_t{0}),
                                                          .name = "on-fourth", .preferred = {fourth_name}});
  ASSERT_TRUE(placed) << placed.error().message();
  ASSERT_TRUE(troupe_cluster::eventually([&] { return cluster->settled(ids, &where) && where["on-fourth"] == fourth_name; },
                                         settle_timeout));
  cluster->kill(*fourth);
  ASSERT_TRUE(settle_sampling_duplicates()) << "no quorum after losing the fourth node: the removed member still counts";
  EXPECT_TRUE(duplicated.empty());
  for (auto& [id, n] : where) EXPECT_TRUE(n == cluster->name(0) || n == cluster->name(1)) << id << " on " << n;
}

/// The kinds of node i's timeline events after sequence number `after` (nullopt: no answer).
std::optional<std::vector<std::string>> event_kinds(troupe_cluster& c, std::size_t i, std::uint64_t after,
                                                    std::uint64_t* last = nullptr) {
  auto r = c.ask<admin_events_reply>(i, admin_events{.after = after});
  if (!r) return std::nullopt;
  if (last) *last = r->last_seq;
  std::vector<std::string> kinds;
  for (auto& e : r->events) kinds.push_back(e.kind);
  return kinds;
}

// Issue 16, without `down`: three nodes, one killed (down, still counted: 2 of 3), and a fourth
// joining through node 0. Node 1 hears of it (from node 0's gossip, or its connection coming up
// before its sync) before it is reachable there: counting it at once made 2 of 4, so node 1 lost
// quorum and stopped its children, which restarted about a second later under new pids. The
// join rule (docs/global_supervisor.md, "What a join changes") keeps the quorum held.
TEST_F(GlobalFailoverTest, ANodeJoiningAClusterWithADeadMemberStopsNoChild) {
  ASSERT_NO_FATAL_FAILURE(start(3, 6));
  const std::string dead = cluster->name(2);
  cluster->kill(2);
  ASSERT_TRUE(settle_sampling_duplicates()) << "the children of the killed node did not run again";
  ASSERT_TRUE(troupe_cluster::eventually(
      [&] { return state_seen(*cluster, 0, dead) == "down" && state_seen(*cluster, 1, dead) == "down"; }, settle_timeout));

  auto running = [&] { return running_on_nodes_0_and_1(*cluster); };
  const auto before = where;
  const auto own_before = running();
  ASSERT_EQ(own_before.size(), ids.size());
  std::uint64_t seen_until[2] = {0, 0};
  for (std::size_t i : {0u, 1u}) ASSERT_TRUE(event_kinds(*cluster, i, 0, &seen_until[i]));

  auto fourth = cluster->add_node();  // seeded with node 0; waits until nodes 0 and 1 see it up
  ASSERT_TRUE(fourth) << fourth.error().message();
  const std::string fourth_name = cluster->name(*fourth);
  ASSERT_TRUE(troupe_cluster::eventually(
      [&] {
        auto up = cluster->up_members(*fourth);
        return up && up->contains(cluster->name(0)) && up->contains(cluster->name(1));
      },
      settle_timeout));
  ASSERT_TRUE(settle_sampling_duplicates());

  // A loss of quorum would come at the latest when the newcomer window (the takeover grace,
  // 0.5 s with these nodes' profile) ends: watch the survivors' timelines for four times that.
  auto lost_quorum = [&] {
    for (std::size_t i : {0u, 1u}) {
      auto kinds = event_kinds(*cluster, i, seen_until[i]);
      if (kinds && std::ranges::find(*kinds, "quorum.lost") != kinds->end()) return true;
    }
    return false;
  };
  EXPECT_FALSE(troupe_cluster::eventually(lost_quorum, 2000ms, 50ms)) << "a survivor lost quorum while the fourth node joined";
  EXPECT_EQ(running(), own_before) << "a child stopped or restarted while the fourth node joined";
  EXPECT_EQ(where, before);
  EXPECT_TRUE(duplicated.empty());
  for (std::size_t i : {0u, 1u}) {
    auto kinds = event_kinds(*cluster, i, seen_until[i]);
    ASSERT_TRUE(kinds);
    auto has = [&](const char* kind) { return std::ranges::find(*kinds, kind) != kinds->end(); };
    EXPECT_TRUE(has("member.up")) << cluster->name(i) << " never saw " << fourth_name << " up";
    EXPECT_FALSE(has("quorum.lost")) << cluster->name(i) << " lost quorum";
  }
}

// Auto-down (Akka's down-removal margin): the majority removes a member down for the duration.
TEST_F(GlobalFailoverTest, AutoDownRemovesAMemberDownForItsDurationOnTheMajoritySide) {
  cluster = std::make_unique<troupe_cluster>(test::troupe_cluster_options{
      .binary = TROUPE_NODE_BINARY, .nodes = 3, .cookie = "failover", .extra_args = {"--auto-down-ms", "1000"}});
  ASSERT_TRUE(cluster->start());
  const std::string dead = cluster->name(2);
  cluster->kill(2);
  ASSERT_TRUE(troupe_cluster::eventually([&] { return state_seen(*cluster, 0, dead) == "down"; }, settle_timeout));
  const auto seen_down = std::chrono::steady_clock::now();
  ASSERT_TRUE(troupe_cluster::eventually(
      [&] { return state_seen(*cluster, 0, dead) == "left" && state_seen(*cluster, 1, dead) == "left"; }, settle_timeout));
  EXPECT_GE(std::chrono::steady_clock::now() - seen_down, 900ms) << "removed before its duration";
}

// ... and a minority never does: one node of three, the other two stopped (SIGSTOP), sees no
// majority, so it keeps them `down` (counted) however long they stay away.
TEST_F(GlobalFailoverTest, AutoDownNeverRemovesAnythingWhereNoMajorityIsSeen) {
  cluster = std::make_unique<troupe_cluster>(test::troupe_cluster_options{
      .binary = TROUPE_NODE_BINARY, .nodes = 3, .cookie = "failover", .extra_args = {"--auto-down-ms", "300"}});
  ASSERT_TRUE(cluster->start());
  cluster->pause(1);
  cluster->pause(2);
  ASSERT_TRUE(troupe_cluster::eventually(
      [&] { return state_seen(*cluster, 0, cluster->name(1)) == "down" && state_seen(*cluster, 0, cluster->name(2)) == "down"; },
      settle_timeout));
  // Watch for ten times the duration: a removal would show as `left`.
  const bool removed = troupe_cluster::eventually(
      [&] { return state_seen(*cluster, 0, cluster->name(1)) == "left" || state_seen(*cluster, 0, cluster->name(2)) == "left"; },
      3000ms, 50ms);
  EXPECT_FALSE(removed) << "a node without a majority removed a member";
  cluster->resume(1);
  cluster->resume(2);
  EXPECT_TRUE(troupe_cluster::eventually([&] { return cluster->up_members(0) && cluster->up_members(0)->size() == 3; }, settle_timeout));
}

TEST_F(GlobalFailoverTest, APausedOwnersStaleCopiesStopAfterItResumes) {
  ASSERT_NO_FATAL_FAILURE(start(3, 6));
  const auto victim = busiest();
  ASSERT_GE(children_of(victim).size(), 2u);

  cluster->pause(victim);
  ASSERT_TRUE(settle_sampling_duplicates()) << "no failover while " << cluster->name(victim) << " was stopped";
  EXPECT_TRUE(duplicated.empty()) << "run on two live nodes at once: " << *duplicated.begin();
  const auto after_failover = where;

  cluster->resume(victim);
  // The resumed node stops its stale copies and, once resynced, agrees on where each child runs.
  ASSERT_TRUE(troupe_cluster::eventually(
      [&] {
        auto own = cluster->own_children(victim);
        return own && own->empty() && cluster->settled(ids, &where);
      },
      settle_timeout))
      << cluster->name(victim) << " kept running its stale copies";
  EXPECT_EQ(where, after_failover) << "the copies that stopped were not the stale ones";
  expect_all_answer_by_name();
  EXPECT_TRUE(cluster->duplicates().empty());
}

TEST_F(GlobalFailoverTest, ADrainedNodeHandsItsChildrenOffBeforeItExits) {
  ASSERT_NO_FATAL_FAILURE(start(3, 6));
  drain_busiest(false);
}

TEST_F(GlobalFailoverTest, ANodeStoppedBySigtermHandsItsChildrenOffBeforeItExits) {
  ASSERT_NO_FATAL_FAILURE(start(3, 6));
  drain_busiest(true);
}

TEST_F(GlobalFailoverTest, ACounterResumesFromItsSnapshotAfterItsOwnerIsKilled) {
  ASSERT_NO_FATAL_FAILURE(start(3, 3));
  const auto victim = busiest();
  const std::string counter = children_of(victim).front();
  ASSERT_TRUE(answers(victim, counter));
  std::int64_t expected = 0;
  for (std::int64_t by : {5, 6, 7}) {
    expected += by;
    ASSERT_EQ(cluster->counter_inc(victim, counter, by), expected);
  }
  // The staleness bound (cluster/global_snapshot.hpp): a restored child has every change saved
  // before the last snapshot that reached the successor — the save travels beside the answer,
  // not before it, so a kill right after the answer may lose the last change (it did, 1 run in
  // ~20). Kill once a survivor shows it holds the newest snapshot (`troupectl children`).
  const auto newest = snapshot_digest(spawn_args(expected));
  ASSERT_TRUE(troupe_cluster::eventually(
      [&] {
        for (auto i : cluster->live()) {
          if (i == victim) continue;
          for (auto& ch : cluster->children(i).value_or(std::vector<admin_child>{}))
            if (ch.id == counter && ch.has_snapshot && ch.snapshot_digest == newest) return true;
        }
        return false;
      },
      10s))
      << "no survivor received the counter's newest snapshot";
  cluster->kill(victim);
  ASSERT_TRUE(settle_sampling_duplicates());
  EXPECT_TRUE(duplicated.empty());
  std::optional<std::int64_t> value;
  ASSERT_TRUE(troupe_cluster::eventually(
      [&] { return (value = cluster->counter_get(cluster->live().front(), counter, 300)).has_value(); }, 10s));
  EXPECT_EQ(*value, expected) << "the counter restarted from its spec, not from its snapshot";
}

TEST_F(GlobalFailoverTest, AMinoritySideStopsItsChildrenWhileTheMajorityRunsThem) {
  auto problem = test::netlab_run::environment_problem(TROUPE_SOURCE_DIR);
  if (!problem.empty()) GTEST_SKIP() << "no network namespaces here: " << problem;
  std::string error;
  auto lab = test::netlab_run::up(TROUPE_SOURCE_DIR, TROUPE_BUILD_DIR, 5, "aggressive", "failover", error);
  ASSERT_TRUE(lab) << error;
  test::netns_guard inside(lab->client_namespace());  // the only place that reaches every node
  ASSERT_TRUE(inside.entered());
  struct stop_client {  // its threads live in the namespace: gone before we leave it
    std::unique_ptr<troupe_cluster>& c;
    ~stop_client() { c.reset(); }
  } stop{cluster};
  cluster = std::make_unique<troupe_cluster>(
      test::troupe_cluster_options{.cookie = "failover", .client_listen = test::netlab_run::client_listen()});
  auto attached = cluster->attach(lab->nodes());
  ASSERT_TRUE(attached) << attached.error().message();
  ASSERT_NO_FATAL_FAILURE(start_counters(10));
  const std::vector<std::size_t> minority{0, 1}, majority{2, 3, 4};
  std::size_t on_minority = 0;
  for (auto& [id, n] : where) on_minority += n == "n1" || n == "n2";
  ASSERT_GT(on_minority, 0u) << "placement put nothing on n1 and n2: the cut would prove nothing";

  ASSERT_TRUE(lab->partition("1,2/3,4,5"));
  // The client sees both sides: sample all five nodes through the cut.
  auto minority_idle = [&] {
    for (auto i : minority) {
      auto own = cluster->own_children(i);
      if (!own || !own->empty()) return false;
    }
    return true;
  };
  ASSERT_TRUE(troupe_cluster::eventually(
      [&] {
        for (auto& id : cluster->duplicates()) duplicated.insert(id);
        return minority_idle() && cluster->settled_among(majority, ids, &where);
      },
      settle_timeout, 0ms))
      << "the minority kept its children, or the majority did not run them all";
  EXPECT_TRUE(duplicated.empty()) << "run on both sides at once: " << *duplicated.begin();
  for (auto& id : ids)
    for (auto i : majority) EXPECT_TRUE(answers(i, id)) << id << " does not answer by name through " << cluster->name(i);
  EXPECT_TRUE(minority_idle()) << "the minority started children again during the cut";

  ASSERT_TRUE(lab->heal());
  ASSERT_TRUE(settle_sampling_duplicates()) << "the cluster did not settle after the heal";
  EXPECT_TRUE(duplicated.empty()) << "run on two nodes at once after the heal: " << *duplicated.begin();
  expect_all_answer_by_name();
}

}  // namespace
}  // namespace troupe
