// The conflict rule alone: `wins_conflict` must pick the same winner on every replica, whatever
// order entries arrive in and whatever index this process gave each node name.
#include "troupe/registry/conflict_policy.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace troupe {
namespace conflict_policy_test {

global_entry entry(std::uint64_t stamp, std::string_view node, std::uint32_t creation, std::uint64_t serial) {
  return {"billing", pid{intern_node(node), creation, serial}, stamp};
}

/// The winner among `entries` by folding `wins_conflict` in the given order, as a replica
/// does when they arrive one after another.
global_entry survivor(const std::vector<global_entry>& entries) {
  global_entry kept = entries.front();
  for (std::size_t i = 1; i < entries.size(); ++i)
    if (wins_conflict(entries[i], kept)) kept = entries[i];
  return kept;
}

TEST(ConflictPolicyTest, TheOlderStampWins) {
  auto older = entry(100, "conflict-b", 1, 1);
  auto newer = entry(200, "conflict-a", 1, 1);
  EXPECT_TRUE(wins_conflict(older, newer));
  EXPECT_FALSE(wins_conflict(newer, older));
}

TEST(ConflictPolicyTest, EqualStampsFallToTheNodeNameNotToTheOrderNamesWereInterned) {
  // Interned "z" first: its index is the smaller one here, but another node may have interned
  // them the other way round. Only the name may decide.
  auto z = entry(500, "conflict-tie-z", 1, 1);
  auto a = entry(500, "conflict-tie-a", 1, 1);
  ASSERT_LT(z.holder.node, a.holder.node);
  EXPECT_TRUE(wins_conflict(a, z));
  EXPECT_FALSE(wins_conflict(z, a));
}

TEST(ConflictPolicyTest, ThenTheCreationThenTheSerial) {
  auto first_life = entry(500, "conflict-n", 1, 9);
  auto second_life = entry(500, "conflict-n", 2, 1);
  EXPECT_TRUE(wins_conflict(first_life, second_life));
  EXPECT_FALSE(wins_conflict(second_life, first_life));
  auto low = entry(500, "conflict-n", 2, 3);
  auto high = entry(500, "conflict-n", 2, 4);
  EXPECT_TRUE(wins_conflict(low, high));
  EXPECT_FALSE(wins_conflict(high, low));
}

TEST(ConflictPolicyTest, AnEntryDoesNotWinOverItself) {
  auto e = entry(500, "conflict-n", 1, 1);
  EXPECT_FALSE(wins_conflict(e, e));
}

TEST(ConflictPolicyTest, ExactlyOneOfTwoDifferentHoldersWins) {
  std::mt19937_64 rng(42);
  const char* nodes[] = {"conflict-p", "conflict-q", "conflict-r"};
  for (int i = 0; i < 2000; ++i) {
    // Small ranges, so many pairs tie on the stamp and the node and are settled further down.
    auto a = entry(rng() % 3, nodes[rng() % 3], 1 + rng() % 2, 1 + rng() % 3);
    auto b = entry(rng() % 3, nodes[rng() % 3], 1 + rng() % 2, 1 + rng() % 3);
    if (a.holder == b.holder) continue;
    EXPECT_NE(wins_conflict(a, b), wins_conflict(b, a)) << a.holder << " vs " << b.holder;
  }
}

TEST(ConflictPolicyTest, EveryArrivalOrderKeepsTheSameWinner) {
  std::vector<global_entry> contenders{
      entry(700, "conflict-c", 1, 5), entry(300, "conflict-d", 3, 2), entry(300, "conflict-b", 2, 8),
      entry(300, "conflict-b", 2, 7), entry(900, "conflict-a", 1, 1),
  };
  const auto expected = entry(300, "conflict-b", 2, 7);
  std::sort(contenders.begin(), contenders.end(),
            [](const global_entry& x, const global_entry& y) { return x.holder < y.holder; });
  int orders = 0;
  do {
    ++orders;
    EXPECT_EQ(survivor(contenders), expected);
  } while (std::next_permutation(contenders.begin(), contenders.end(),
                                 [](const global_entry& x, const global_entry& y) { return x.holder < y.holder; }));
  EXPECT_EQ(orders, 120);
}

TEST(ConflictPolicyTest, TheLoserIsToldWhichNameItLost) {
  auto reason = name_conflict_reason("billing");
  EXPECT_EQ(reason, exit_reason::error("name_conflict billing"));
  EXPECT_FALSE(reason.is_normal());
}

}  // namespace conflict_policy_test
}  // namespace troupe
