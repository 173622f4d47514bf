// Placement alone: rendezvous hashing is a pure function of (child, members), so its promises
// are checked by counting over many children: balance, stability when a member joins or
// leaves (only about 1/N of the children move, and only to or from that member), determinism,
// preferred and pinned nodes. Which members may host a child's actor type is decided before
// placement (the global supervisor filters the member list), so it is not tested here.
#include "troupe/cluster/placement.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace troupe {
namespace placement_test {

constexpr int child_count = 1000;

std::vector<std::string> children() {
  std::vector<std::string> out;
  for (int i = 0; i < child_count; ++i) out.push_back("worker-" + std::to_string(i));
  return out;
}

std::vector<std::string> members_named(std::initializer_list<const char*> names) {
  std::vector<std::string> out(names.begin(), names.end());
  std::sort(out.begin(), out.end());
  return out;
}

/// The owner of every child among `members`.
std::map<std::string, std::string> owners(const std::vector<std::string>& members) {
  rendezvous_placement placement;
  std::map<std::string, std::string> out;
  for (const auto& c : children()) {
    auto o = placement.owner({c, {}, false}, members);
    EXPECT_TRUE(o);
    if (o) out[c] = *o;
  }
  return out;
}

std::map<std::string, int> load(const std::map<std::string, std::string>& owner_of) {
  std::map<std::string, int> out;
  for (const auto& [child, owner] : owner_of) ++out[owner];
  return out;
}

TEST(PlacementTest, SpreadsChildrenEvenlyOverTheMembers) {
  auto members = members_named({"n1", "n2", "n3", "n4"});
  auto per_member = load(owners(members));
  ASSERT_EQ(per_member.size(), 4u) << "every member gets children";
  for (const auto& [member, n] : per_member) {
    EXPECT_GT(n, 190) << member;  // 250 expected; binomial σ ≈ 14
    EXPECT_LT(n, 310) << member;
  }
}

TEST(PlacementTest, AJoiningMemberTakesAboutOneNthAndNothingElseMoves) {
  auto before = owners(members_named({"n1", "n2", "n3", "n4"}));
  auto after = owners(members_named({"n1", "n2", "n3", "n4", "n5"}));
  int moved = 0;
  for (const auto& [child, owner] : after) {
    if (owner == before[child]) continue;
    ++moved;
    EXPECT_EQ(owner, "n5") << child << " moved between two old members";
  }
  // 1000 / 5 = 200 expected; hash mod N would move about 800.
  EXPECT_GT(moved, 140);
  EXPECT_LT(moved, 260);
}

TEST(PlacementTest, ALeavingMemberHandsOnOnlyItsOwnChildrenSpreadOverTheRest) {
  auto before = owners(members_named({"n1", "n2", "n3", "n4", "n5"}));
  auto after = owners(members_named({"n1", "n2", "n4", "n5"}));
  int moved = 0;
  std::map<std::string, int> heirs;
  for (const auto& [child, owner] : after) {
    if (owner == before[child]) continue;
    ++moved;
    EXPECT_EQ(before[child], "n3") << child << " moved though its owner stayed";
    ++heirs[owner];
  }
  EXPECT_EQ(moved, load(before)["n3"]) << "every child of n3 moved";
  EXPECT_GT(moved, 140);
  EXPECT_LT(moved, 260);
  EXPECT_EQ(heirs.size(), 4u) << "the orphans are spread, not dumped on one survivor";
}

TEST(PlacementTest, TheOwnerDoesNotDependOnTheOrderOfTheMembers) {
  auto sorted = members_named({"a", "b", "c", "d", "e", "f"});
  auto expected = owners(sorted);
  std::mt19937 rng(17);
  rendezvous_placement placement;
  for (int round = 0; round < 5; ++round) {
    auto shuffled = sorted;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    for (const auto& c : children()) EXPECT_EQ(*placement.owner({c, {}, false}, shuffled), expected[c]) << c;
  }
}

TEST(PlacementTest, TheWeightIsTheSameOnEveryBuild) {
  // Nodes of different builds must agree on every owner: the weight is a fixed function
  // (FNV-1a then SplitMix64), never std::hash. These values pin it.
  EXPECT_EQ(rendezvous_weight("", ""), 0x55ebe004cae0ab71ULL);
  EXPECT_EQ(rendezvous_weight("worker-1", "n1"), 0x87f07526670c9f6bULL);
}

TEST(PlacementTest, TheBoundaryBetweenChildAndMemberNameMatters) {
  EXPECT_NE(rendezvous_weight("ab", "c"), rendezvous_weight("a", "bc"));
}

TEST(PlacementTest, NoMembersMeansNoOwner) {
  rendezvous_placement placement;
  EXPECT_FALSE(placement.owner({"worker-1", {}, false}, {}));
}

TEST(PlacementTest, APreferredNodeThatIsUpIsChosen) {
  rendezvous_placement placement;
  auto members = members_named({"n1", "n2", "n3", "n4"});
  const std::vector<std::string> preferred{"n2", "n4"};
  std::map<std::string, int> chosen;
  for (const auto& c : children()) {
    auto o = placement.owner({c, preferred, false}, members);
    ASSERT_TRUE(o);
    ++chosen[*o];
  }
  EXPECT_EQ(chosen.size(), 2u) << "only n2 and n4, and both of them";
  EXPECT_GT(chosen["n2"], 400);
  EXPECT_GT(chosen["n4"], 400);
}

TEST(PlacementTest, WithNoPreferredNodeUpAnUnpinnedChildRunsAnywhereAndAPinnedOneNowhere) {
  rendezvous_placement placement;
  auto members = members_named({"n1", "n2", "n3"});
  const std::vector<std::string> preferred{"n9"};
  auto anywhere = placement.owner({"worker-1", preferred, false}, members);
  ASSERT_TRUE(anywhere);
  EXPECT_EQ(*anywhere, *placement.owner({"worker-1", {}, false}, members));
  EXPECT_FALSE(placement.owner({"worker-1", preferred, true}, members));
}

TEST(PlacementTest, APinnedChildReturnsToItsNodeWhenItComesBack) {
  rendezvous_placement placement;
  const std::vector<std::string> preferred{"n3"};
  EXPECT_FALSE(placement.owner({"worker-1", preferred, true}, members_named({"n1", "n2"})));
  EXPECT_EQ(placement.owner({"worker-1", preferred, true}, members_named({"n1", "n2", "n3"})), "n3");
}

TEST(PlacementTest, TheDefaultStrategyIsSharedRendezvous) {
  auto a = uniform_placement();
  auto b = uniform_placement();
  EXPECT_EQ(a.get(), b.get());
  auto members = members_named({"n1", "n2", "n3"});
  rendezvous_placement direct;
  for (const auto& c : children()) EXPECT_EQ(a->owner({c, {}, false}, members), direct.owner({c, {}, false}, members));
}

}  // namespace placement_test
}  // namespace troupe
