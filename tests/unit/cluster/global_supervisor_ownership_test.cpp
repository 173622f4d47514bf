// The global supervisor's ownership decisions alone (cluster/global_supervisor_ownership.hpp),
// over a real view, replica and holds fed by hand: owners only among the members hosting the
// type, a running child stays unless a rule moves it (duplicates, pins, preferences), a lost
// node's children are held for the grace, successors, and why a child waits.
#include "troupe/cluster/global_supervisor_ownership.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace troupe::gs {
namespace ownership_test {

using names = std::vector<std::string>;

/// n1's decisions, with n2 and n3 up and synced; every node hosts "counter", n2 also "billing".
struct decisions {
  decisions() {
    view.set_types({"counter"});
    for (auto p : {"n2", "n3"}) view.apply({p, std::string("tcp://") + p, 1, "up"}, time_point{});
    view.synced_with("n2", all, {"billing", "counter"}, false);
    view.synced_with("n3", all, {"counter"}, false);
  }
  child_record counter(const std::string& id) const { return {.id = id, .type = "counter"}; }
  /// A counter child that `members` place on `node`.
  child_record owned_by(const std::string& node, const names& members, const std::string& not_in_pair = {},
                        const std::string& pair_owner = {}) const {
    for (int i = 0;; ++i) {
      auto r = counter("c" + std::to_string(i));
      if (rules.owner(r, members) != node) continue;
      if (!not_in_pair.empty() && rules.owner(r, names{"n1", not_in_pair}) != pair_owner) continue;
      return r;
    }
  }

  const names all{"n1", "n2", "n3"};
  cluster_view view{"n1", quorum_mode::automatic};
  spec_replica replica;
  takeover_holds holds;
  ownership rules{uniform_placement(), view, replica, holds};
};

TEST(GlobalSupervisorOwnershipTest, TheOwnerIsChosenAmongTheMembersThatHostTheType) {
  decisions d;
  for (int i = 0; i < 20; ++i) {
    child_record billing{.id = "b" + std::to_string(i), .type = "billing"};
    EXPECT_EQ(d.rules.owner(billing, d.all), "n2");
  }
  child_record unknown{.id = "x", .type = "unknown"};
  EXPECT_FALSE(d.rules.owner(unknown, d.all));
  EXPECT_EQ(d.rules.waiting_reason(unknown, d.all), "no live node hosts actor type 'unknown'");
  EXPECT_EQ(d.rules.waiting_reason(d.counter("c"), d.all), "");
}

TEST(GlobalSupervisorOwnershipTest, ARunningChildStaysHereUnlessItsOwnerIsAnotherMember) {
  decisions d;
  EXPECT_EQ(d.rules.keeps(d.owned_by("n1", d.all), d.all), keep_verdict::keep);
  EXPECT_EQ(d.rules.keeps(d.owned_by("n2", d.all), d.all), keep_verdict::movable);  // moves only when rebalancing
}

TEST(GlobalSupervisorOwnershipTest, OfTwoCopiesTheOnePlacementPrefersBetweenTheTwoStays) {
  decisions d;
  auto theirs = d.owned_by("n2", d.all, "n3", "n3");  // placement({n1,n3}) = n3
  auto ours = d.owned_by("n2", d.all, "n3", "n1");    // placement({n1,n3}) = n1
  d.replica.replace_reports("n3", {{.id = theirs.id, .running = true}, {.id = ours.id, .running = true}});
  EXPECT_EQ(d.rules.keeps(theirs, d.all), keep_verdict::stop);
  EXPECT_EQ(d.rules.keeps(ours, d.all), keep_verdict::movable);
}

TEST(GlobalSupervisorOwnershipTest, PinsAndPreferencesOutrankStickiness) {
  decisions d;
  auto pinned = d.counter("pinned");
  pinned.preferred = {"n4"};
  pinned.pinned = true;
  EXPECT_EQ(d.rules.keeps(pinned, d.all), keep_verdict::stop);
  EXPECT_EQ(d.rules.waiting_reason(pinned, d.all), "none of its pinned nodes is up");
  auto preferred = d.counter("preferred");
  preferred.preferred = {"n3"};
  EXPECT_EQ(d.rules.owner(preferred, d.all), "n3");
  EXPECT_EQ(d.rules.keeps(preferred, d.all), keep_verdict::stop);
  preferred.preferred = {"n1", "n3"};  // this node is preferred too: it stays
  EXPECT_NE(d.rules.keeps(preferred, d.all), keep_verdict::stop);
}

TEST(GlobalSupervisorOwnershipTest, WhatALostNodeRanIsHeldForTheGrace) {
  decisions d;
  const time_point t0{std::chrono::seconds(100)};
  const auto grace = std::chrono::seconds(1);
  const names survivors{"n1", "n2"};
  auto reported = d.owned_by("n1", survivors);
  auto owned_by_lost = d.owned_by("n3", d.all);
  child_record unrelated;  // owned here, never reported on n3
  for (int i = 0; d.rules.owner(unrelated, d.all) != "n1"; ++i) unrelated = d.counter("u" + std::to_string(i));
  d.holds.lost("n3", {reported.id}, t0, grace);
  EXPECT_TRUE(d.rules.held(reported, survivors, t0));       // reported running there
  EXPECT_TRUE(d.rules.held(owned_by_lost, survivors, t0));  // it may have started it unreported
  EXPECT_FALSE(d.rules.held(unrelated, survivors, t0));
  d.holds.expire(t0 + grace, grace);
  EXPECT_FALSE(d.rules.held(reported, survivors, t0 + grace));
  EXPECT_FALSE(d.rules.held(owned_by_lost, survivors, t0 + grace));
}

TEST(GlobalSupervisorOwnershipTest, APeerLostBeforeItsSyncHoldsEveryChild) {
  decisions d;
  const time_point t0{std::chrono::seconds(100)};
  d.holds.lost_unknown(t0 + std::chrono::seconds(1));
  EXPECT_TRUE(d.rules.held(d.owned_by("n1", d.all), d.all, t0));
  EXPECT_FALSE(d.rules.held(d.owned_by("n1", d.all), d.all, t0 + std::chrono::seconds(1)));
}

TEST(GlobalSupervisorOwnershipTest, AStartIsAFailoverOnlyForAChildThatRanOnALostNode) {
  takeover_holds holds;
  holds.lost("n3", {"a", "b"}, time_point{}, std::chrono::seconds(1));
  holds.taken_over("b");  // another node reported it running first
  EXPECT_TRUE(holds.claim_failover("a"));
  EXPECT_FALSE(holds.claim_failover("a"));  // counted once
  EXPECT_FALSE(holds.claim_failover("b"));
}

TEST(GlobalSupervisorOwnershipTest, TheSuccessorIsTheOwnerOnceThisNodeIsGone) {
  decisions d;
  auto mine = d.owned_by("n1", d.all);
  auto next = d.rules.successor(mine, d.all);
  ASSERT_TRUE(next);
  EXPECT_NE(*next, "n1");
  EXPECT_EQ(next, d.rules.owner(mine, names{"n2", "n3"}));
  auto theirs = d.owned_by("n2", d.all);
  EXPECT_EQ(d.rules.successor(theirs, d.all), "n2");  // removing a loser moves nothing
}

}  // namespace ownership_test
}  // namespace troupe::gs
