// The global supervisor's view of the cluster alone (cluster/global_supervisor_view.hpp): which
// members it counts and reaches, the quorum rule, view agreement (bridge partitions), who is
// placeable while draining, and when a node knows enough to start anything. No network: the
// member events and syncs are fed by hand, as the server would.
#include "troupe/cluster/global_supervisor_view.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace troupe::gs {
namespace view_test {

using names = std::vector<std::string>;
using namespace std::chrono_literals;

/// When the events of a test happen, unless it says otherwise.
const time_point t0{std::chrono::seconds(100)};

member_event event(const std::string& name, const std::string& state) { return {name, "tcp://" + name, 1, state}; }

/// A view from n1 where `peers` are up and synced, each reporting `peer_view`.
cluster_view synced_view(const names& peers, const names& peer_view, quorum_mode q = quorum_mode::automatic) {
  cluster_view v("n1", q);
  for (auto& p : peers) {
    v.apply(event(p, "up"), t0);
    v.synced_with(p, peer_view, {}, false);
  }
  return v;
}

TEST(GlobalSupervisorViewTest, APeerCountsAsReachableOnlyOnceItsSyncHasArrived) {
  cluster_view v("n1", quorum_mode::automatic);
  v.apply(event("n2", "up"), t0);
  v.apply(event("n3", "up"), t0);
  EXPECT_EQ(v.counted(), 3u);
  EXPECT_EQ(v.reachable(), names{"n1"});
  EXPECT_FALSE(v.has_quorum(t0));  // 1 of 3
  v.synced_with("n2", {"n1", "n2"}, {}, false);
  EXPECT_EQ(v.reachable(), (names{"n1", "n2"}));
  EXPECT_TRUE(v.has_quorum(t0));  // 2 of 3
}

TEST(GlobalSupervisorViewTest, AMemberDownStillCountsAndAMemberThatLeftDoesNot) {
  auto v = synced_view({"n2", "n3"}, {"n1", "n2", "n3"});
  v.apply(event("n2", "down"), t0);
  v.forget("n2");
  v.apply(event("n3", "down"), t0);
  v.forget("n3");
  EXPECT_EQ(v.counted(), 3u);
  EXPECT_FALSE(v.has_quorum(t0));  // a dead member may be the other side of a partition
  v.apply(event("n3", "left"), t0);
  EXPECT_EQ(v.counted(), 2u);
  EXPECT_FALSE(v.quorum_enabled(t0));  // automatic: on from 3 members
  EXPECT_TRUE(v.has_quorum(t0));
}

TEST(GlobalSupervisorViewTest, QuorumModeOnAppliesToTwoMembersAndOffNeverStopsAnything) {
  auto on = synced_view({}, {}, quorum_mode::on);
  on.apply(event("n2", "up"), t0);
  EXPECT_TRUE(on.quorum_enabled(t0));
  EXPECT_FALSE(on.has_quorum(t0));  // 1 of 2 is no majority
  cluster_view off("n1", quorum_mode::off);
  for (auto p : {"n2", "n3", "n4"}) off.apply(event(p, "down"), t0);
  EXPECT_TRUE(off.has_quorum(t0));
}

TEST(GlobalSupervisorViewTest, ABridgeNodeSeeingBothSidesBlocksAgreementOnEachSide) {
  // Five nodes, {n1,n2} cut from {n4,n5}; n3 sees everyone. n1 reaches {n1,n2,n3}.
  cluster_view v("n1", quorum_mode::automatic);
  for (auto p : {"n2", "n3", "n4", "n5"}) v.apply(event(p, "up"), t0);
  for (auto p : {"n4", "n5"}) v.apply(event(p, "down"), t0);
  v.synced_with("n2", {"n1", "n2", "n3"}, {}, false);
  v.synced_with("n3", {"n1", "n2", "n3", "n4", "n5"}, {}, false);
  const auto reachable = v.reachable();
  EXPECT_EQ(reachable, (names{"n1", "n2", "n3"}));
  EXPECT_TRUE(v.has_quorum(t0));  // 3 of 5
  EXPECT_FALSE(v.agreed(reachable));
  EXPECT_TRUE(v.peer_view("n3", {"n1", "n2", "n3"}));  // the bridge became a clean cut
  EXPECT_TRUE(v.agreed(reachable));
  EXPECT_FALSE(v.peer_view("n5", {"n5"}));  // not up here: ignored
}

TEST(GlobalSupervisorViewTest, DrainingNodesAreReachableButNotPlaceable) {
  auto v = synced_view({"n2", "n3"}, {"n1", "n2", "n3"});
  v.peer_draining("n2");
  EXPECT_EQ(v.placeable(v.reachable()), (names{"n1", "n3"}));
  v.begin_draining();
  EXPECT_EQ(v.placeable(v.reachable()), names{"n3"});
  v.apply(event("n2", "down"), t0);  // its next incarnation says again whether it drains
  v.apply(event("n2", "up"), t0);
  v.synced_with("n2", {"n1", "n2", "n3"}, {}, false);
  EXPECT_EQ(v.placeable(v.reachable()), (names{"n2", "n3"}));
}

TEST(GlobalSupervisorViewTest, ANodeStartsNothingUntilEveryMemberIsSyncedOrTheSettleTimePassed) {
  cluster_view v("n1", quorum_mode::automatic);
  v.settle(t0 + std::chrono::seconds(1));
  v.fresh(t0 + std::chrono::seconds(1));
  v.apply(event("n2", "up"), t0);
  v.apply(event("n3", "up"), t0);
  v.synced_with("n2", {"n1", "n2"}, {}, false);
  EXPECT_FALSE(v.may_start(v.reachable(), 3, t0));  // n3's sync is missing
  v.synced_with("n3", {"n1", "n2", "n3"}, {}, false);
  EXPECT_FALSE(v.may_start(v.reachable(), 3, t0));  // fresh: more members may yet be heard of
  EXPECT_TRUE(v.may_start(v.reachable(), 3, t0 + std::chrono::seconds(1)));
  v.fresh(t0);
  EXPECT_TRUE(v.may_start(v.reachable(), 3, t0));
  EXPECT_FALSE(v.may_start(v.reachable(), 4, t0));  // membership already knows a fourth member
}

TEST(GlobalSupervisorViewTest, EachNodeHostsTheTypesItSaidInItsLastSync) {
  cluster_view v("n1", quorum_mode::automatic);
  EXPECT_TRUE(v.set_types({"counter"}));
  EXPECT_FALSE(v.set_types({"counter"}));
  v.apply(event("n2", "up"), t0);
  v.synced_with("n2", {"n1", "n2"}, {"billing", "counter"}, false);
  EXPECT_TRUE(v.hosts("n1", "counter"));
  EXPECT_FALSE(v.hosts("n1", "billing"));
  EXPECT_TRUE(v.hosts("n2", "billing"));
  EXPECT_FALSE(v.hosts("n3", "counter"));
  EXPECT_EQ(v.cluster_types(), (std::set<std::string>{"billing", "counter"}));
}

TEST(GlobalSupervisorViewTest, TheViewIsToldToPeersOnlyWhenItChanges) {
  cluster_view v("n1", quorum_mode::automatic);
  EXPECT_TRUE(v.tell({"n1"}));
  EXPECT_FALSE(v.tell({"n1"}));
  EXPECT_TRUE(v.tell({"n1", "n2"}));
}

// --- what a join changes (docs/global_supervisor.md, "What a join changes") -----------------------

/// n1 of {n1,n2,n3}, n3 dead (still counted): 2 of 3, quorum held as of t0. Newcomers go
/// uncounted for at most a second.
cluster_view with_a_dead_member(quorum_mode q = quorum_mode::automatic) {
  auto v = synced_view({"n2", "n3"}, {"n1", "n2", "n3"}, q);
  v.newcomer_window(1s);
  v.apply(event("n3", "down"), t0);
  v.forget("n3");
  EXPECT_TRUE(v.update_quorum(t0));  // 2 of 3
  return v;
}

TEST(GlobalSupervisorViewTest, ANewcomerLearntByGossipDoesNotBreakAHeldQuorum) {
  auto v = with_a_dead_member();
  v.apply(event("n4", "joining"), t0 + 100ms);  // gossip: heard of, not connected
  EXPECT_EQ(v.counted(), 4u);
  EXPECT_EQ(v.newcomers(t0 + 100ms), names{"n4"});
  EXPECT_TRUE(v.update_quorum(t0 + 100ms)) << "2 of 4, the other half a newcomer";
  v.apply(event("n4", "up"), t0 + 200ms);  // connected, its sync not here yet: still new
  EXPECT_TRUE(v.update_quorum(t0 + 200ms));
  v.synced_with("n4", {"n1", "n2", "n4"}, {}, false);
  EXPECT_TRUE(v.newcomers(t0 + 300ms).empty());
  EXPECT_TRUE(v.update_quorum(t0 + 300ms));  // 3 of 4: a plain majority
}

TEST(GlobalSupervisorViewTest, ANewcomerNotSeenWithinTheWindowCountsLikeAnyMember) {
  auto v = with_a_dead_member();
  v.apply(event("n4", "joining"), t0 + 100ms);
  EXPECT_TRUE(v.update_quorum(t0 + 1099ms));
  EXPECT_TRUE(v.newcomers(t0 + 1100ms).empty());
  EXPECT_FALSE(v.update_quorum(t0 + 1100ms)) << "2 of 4 once the window is over";
  v.apply(event("n4", "up"), t0 + 1200ms);
  v.synced_with("n4", {"n1", "n2", "n4"}, {}, false);
  EXPECT_TRUE(v.update_quorum(t0 + 1200ms));  // 3 of 4
}

TEST(GlobalSupervisorViewTest, ANewcomerThatWasReachableOnceCountsNormally) {
  auto v = with_a_dead_member();
  v.apply(event("n4", "up"), t0 + 100ms);
  v.synced_with("n4", {"n1", "n2", "n4"}, {}, false);
  EXPECT_TRUE(v.update_quorum(t0 + 100ms));
  v.apply(event("n4", "down"), t0 + 200ms);  // seen here, then lost: a member like the others
  v.forget("n4");
  EXPECT_TRUE(v.newcomers(t0 + 200ms).empty());
  EXPECT_FALSE(v.update_quorum(t0 + 200ms));  // 2 of 4, within the window
}

TEST(GlobalSupervisorViewTest, ANodeWithoutQuorumGainsNothingFromNewcomers) {
  // n1 sees none of n2, n3: 1 of 3. n4 joins, then n2 comes back: 2 of 4 is no majority, and
  // the join rule only keeps a quorum this node held.
  auto v = synced_view({"n2", "n3"}, {"n1", "n2", "n3"});
  v.newcomer_window(1s);
  for (auto p : {"n2", "n3"}) {
    v.apply(event(p, "down"), t0);
    v.forget(p);
  }
  EXPECT_FALSE(v.update_quorum(t0));
  v.apply(event("n4", "joining"), t0 + 100ms);
  v.apply(event("n2", "up"), t0 + 200ms);
  v.synced_with("n2", {"n1", "n2"}, {}, false);
  EXPECT_EQ(v.newcomers(t0 + 200ms), names{"n4"});
  EXPECT_FALSE(v.update_quorum(t0 + 200ms));
  EXPECT_FALSE(v.update_quorum(t0 + 300ms));
}

TEST(GlobalSupervisorViewTest, AFreshNodeDoesNotTreatTheMembersItHearsOfAsNewcomers) {
  // n1 just started: it reached its seed n2 (2 of 2), then hears of n3 and n4 from n2's gossip.
  // They may be old members that a majority runs everything with: 2 of 4 is no quorum.
  cluster_view v("n1", quorum_mode::automatic);
  v.newcomer_window(1s);
  v.fresh(t0 + 1s);
  v.apply(event("n2", "up"), t0);
  v.synced_with("n2", {"n1", "n2"}, {}, false);
  EXPECT_TRUE(v.update_quorum(t0));  // automatic: off with 2 members
  for (auto p : {"n3", "n4"}) v.apply(event(p, "joining"), t0 + 100ms);
  EXPECT_FALSE(v.update_quorum(t0 + 100ms));
  EXPECT_FALSE(v.update_quorum(t0 + 1s));  // no longer fresh, but no quorum held either
}

TEST(GlobalSupervisorViewTest, NewcomersKeepAQuorumOnlyWhileHalfTheMembersIncludingThemAreReachable) {
  // 2 of 3 and two newcomers: 2 of 5. {n3, n4, n5} would be a majority of the five without n1
  // and n2, so they must not keep quorum.
  auto three = with_a_dead_member();
  for (auto p : {"n4", "n5"}) three.apply(event(p, "joining"), t0 + 100ms);
  EXPECT_FALSE(three.update_quorum(t0 + 100ms));
  // 3 of 4 (n4 dead) and two newcomers: 3 of 6, every majority of the six meets {n1,n2,n3}.
  auto four = synced_view({"n2", "n3", "n4"}, {"n1", "n2", "n3", "n4"});
  four.newcomer_window(1s);
  four.apply(event("n4", "down"), t0);
  four.forget("n4");
  EXPECT_TRUE(four.update_quorum(t0));
  for (auto p : {"n5", "n6"}) four.apply(event(p, "joining"), t0 + 100ms);
  EXPECT_TRUE(four.update_quorum(t0 + 100ms));
}

TEST(GlobalSupervisorViewTest, ANewcomerDoesNotTurnQuorumOnInAutomaticModeWithinTheWindow) {
  // Two members, n2 dead: automatic quorum is off and n1 runs everything. A third node joining
  // turns it on only once it is seen (2 of 3) or its window is over (1 of 3).
  cluster_view v("n1", quorum_mode::automatic);
  v.newcomer_window(1s);
  v.apply(event("n2", "down"), t0);
  EXPECT_TRUE(v.update_quorum(t0));
  v.apply(event("n3", "joining"), t0 + 100ms);
  EXPECT_FALSE(v.quorum_enabled(t0 + 100ms));
  EXPECT_TRUE(v.update_quorum(t0 + 100ms));
  EXPECT_TRUE(v.quorum_enabled(t0 + 1100ms));
  EXPECT_FALSE(v.update_quorum(t0 + 1100ms));
}

}  // namespace view_test
}  // namespace troupe::gs
