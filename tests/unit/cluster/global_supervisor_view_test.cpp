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

member_event event(const std::string& name, const std::string& state) { return {name, "tcp://" + name, 1, state}; }

/// A view from n1 where `peers` are up and synced, each reporting `peer_view`.
cluster_view synced_view(const names& peers, const names& peer_view, quorum_mode q = quorum_mode::automatic) {
  cluster_view v("n1", q);
  for (auto& p : peers) {
    v.apply(event(p, "up"));
    v.synced_with(p, peer_view, {}, false);
  }
  return v;
}

TEST(GlobalSupervisorViewTest, APeerCountsAsReachableOnlyOnceItsSyncHasArrived) {
  cluster_view v("n1", quorum_mode::automatic);
  v.apply(event("n2", "up"));
  v.apply(event("n3", "up"));
  EXPECT_EQ(v.counted(), 3u);
  EXPECT_EQ(v.reachable(), names{"n1"});
  EXPECT_FALSE(v.has_quorum());  // 1 of 3
  v.synced_with("n2", {"n1", "n2"}, {}, false);
  EXPECT_EQ(v.reachable(), (names{"n1", "n2"}));
  EXPECT_TRUE(v.has_quorum());  // 2 of 3
}

TEST(GlobalSupervisorViewTest, AMemberDownStillCountsAndAMemberThatLeftDoesNot) {
  auto v = synced_view({"n2", "n3"}, {"n1", "n2", "n3"});
  v.apply(event("n2", "down"));
  v.forget("n2");
  v.apply(event("n3", "down"));
  v.forget("n3");
  EXPECT_EQ(v.counted(), 3u);
  EXPECT_FALSE(v.has_quorum());  // a dead member may be the other side of a partition
  v.apply(event("n3", "left"));
  EXPECT_EQ(v.counted(), 2u);
  EXPECT_FALSE(v.quorum_enabled());  // automatic: on from 3 members
  EXPECT_TRUE(v.has_quorum());
}

TEST(GlobalSupervisorViewTest, QuorumModeOnAppliesToTwoMembersAndOffNeverStopsAnything) {
  auto on = synced_view({}, {}, quorum_mode::on);
  on.apply(event("n2", "up"));
  EXPECT_TRUE(on.quorum_enabled());
  EXPECT_FALSE(on.has_quorum());  // 1 of 2 is no majority
  cluster_view off("n1", quorum_mode::off);
  for (auto p : {"n2", "n3", "n4"}) off.apply(event(p, "down"));
  EXPECT_TRUE(off.has_quorum());
}

TEST(GlobalSupervisorViewTest, ABridgeNodeSeeingBothSidesBlocksAgreementOnEachSide) {
  // Five nodes, {n1,n2} cut from {n4,n5}; n3 sees everyone. n1 reaches {n1,n2,n3}.
  cluster_view v("n1", quorum_mode::automatic);
  for (auto p : {"n2", "n3", "n4", "n5"}) v.apply(event(p, "up"));
  for (auto p : {"n4", "n5"}) v.apply(event(p, "down"));
  v.synced_with("n2", {"n1", "n2", "n3"}, {}, false);
  v.synced_with("n3", {"n1", "n2", "n3", "n4", "n5"}, {}, false);
  const auto reachable = v.reachable();
  EXPECT_EQ(reachable, (names{"n1", "n2", "n3"}));
  EXPECT_TRUE(v.has_quorum());  // 3 of 5
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
  v.apply(event("n2", "down"));  // its next incarnation says again whether it drains
  v.apply(event("n2", "up"));
  v.synced_with("n2", {"n1", "n2", "n3"}, {}, false);
  EXPECT_EQ(v.placeable(v.reachable()), (names{"n2", "n3"}));
}

TEST(GlobalSupervisorViewTest, ANodeStartsNothingUntilEveryMemberIsSyncedOrTheSettleTimePassed) {
  const time_point t0{std::chrono::seconds(100)};
  cluster_view v("n1", quorum_mode::automatic);
  v.settle(t0 + std::chrono::seconds(1));
  v.fresh(t0 + std::chrono::seconds(1));
  v.apply(event("n2", "up"));
  v.apply(event("n3", "up"));
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
  v.apply(event("n2", "up"));
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

}  // namespace view_test
}  // namespace troupe::gs
