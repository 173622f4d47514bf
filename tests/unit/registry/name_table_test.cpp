// name_table alone: one replica of the global names on a deterministic actor_system with no
// network. "Peers" are only pids of other node names; the server is a scoped_actor that
// collects what the table tells it.
#include "troupe/registry/name_table.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "troupe/node/scoped_actor.hpp"
#include "troupe/node/stepped_executor.hpp"

namespace troupe {
namespace name_table_test {

using namespace std::chrono_literals;

class NameTableTest : public ::testing::Test {
 protected:
  NameTableTest() { table.set_server(server.self()); }

  /// What the table told the server since the last call.
  std::vector<detail::global_name_watch> told() {
    std::vector<detail::global_name_watch> out;
    while (auto w = server->receive<detail::global_name_watch>(0s)) out.push_back(*w);
    return out;
  }
  pid peer_pid(std::string_view node, std::uint32_t creation, std::uint64_t serial) {
    return pid{intern_node(node), creation, serial};
  }
  std::vector<std::string> names() {
    std::vector<std::string> out;
    for (const auto& e : table.entries()) out.push_back(e.name);
    std::sort(out.begin(), out.end());
    return out;
  }

  actor_system sys{actor_system_config{.node_name = "names-local", .creation = 1, .deterministic = true}};
  scoped_actor server{sys};
  scoped_actor holder{sys};
  scoped_actor other_holder{sys};
  name_table table{sys};
};

TEST_F(NameTableTest, ALocalRegistrationIsReadAtOnceAndToldToTheServer) {
  ASSERT_TRUE(table.insert_local("billing", holder.self()));
  EXPECT_EQ(table.whereis("billing"), holder.self());
  auto w = told();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_TRUE(w[0].added);
  EXPECT_EQ(w[0].entry.name, "billing");
  EXPECT_EQ(w[0].entry.holder, holder.self());
  EXPECT_EQ(table.entry("billing"), w[0].entry) << "the server is told the very entry stored";
}

TEST_F(NameTableTest, ANameHeldByAnotherLiveProcessIsTakenAndNothingChanges) {
  ASSERT_TRUE(table.insert_local("billing", holder.self()));
  told();
  auto r = table.insert_local("billing", other_holder.self());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::name_taken);
  EXPECT_NE(r.error().message().find(holder.self().to_string()), std::string::npos) << "names the holder";
  EXPECT_EQ(table.whereis("billing"), holder.self());
  EXPECT_TRUE(told().empty());
}

TEST_F(NameTableTest, RegisteringTheSameHolderAgainChangesNothing) {
  ASSERT_TRUE(table.insert_local("billing", holder.self()));
  auto stamp = table.entry("billing")->stamp;
  told();
  EXPECT_TRUE(table.insert_local("billing", holder.self()));
  EXPECT_EQ(table.entry("billing")->stamp, stamp);
  EXPECT_TRUE(told().empty());
}

TEST_F(NameTableTest, ADeadLocalHolderWhoseDownIsNotHandledYetDoesNotBlockTheName) {
  auto doomed = std::make_unique<scoped_actor>(sys);
  pid gone = doomed->self();
  ASSERT_TRUE(table.insert_local("billing", gone));
  doomed.reset();
  ASSERT_FALSE(sys.alive(gone));
  EXPECT_TRUE(table.insert_local("billing", holder.self()));
  EXPECT_EQ(table.whereis("billing"), holder.self());
}

TEST_F(NameTableTest, OnlyTheHolderCanEraseItsName) {
  ASSERT_TRUE(table.insert_local("billing", holder.self()));
  told();
  EXPECT_FALSE(table.erase_local("billing", other_holder.self()));
  EXPECT_FALSE(table.erase_local("nobody", holder.self()));
  EXPECT_TRUE(told().empty());
  EXPECT_TRUE(table.erase_local("billing", holder.self()));
  EXPECT_FALSE(table.whereis("billing"));
  auto w = told();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_FALSE(w[0].added);
  EXPECT_EQ(w[0].entry.holder, holder.self());
}

TEST_F(NameTableTest, LocalStampsGrowAndPassEveryStampSeen) {
  ASSERT_TRUE(table.insert_local("a", holder.self()));
  ASSERT_TRUE(table.insert_local("b", holder.self()));
  EXPECT_LT(table.entry("a")->stamp, table.entry("b")->stamp);
  // A peer's clock runs far ahead: what this node registers next still comes after it.
  const std::uint64_t far_future = table.entry("b")->stamp + 3'600'000'000ULL;
  table.merge({{"c", peer_pid("names-peer", 1, 5), far_future}});
  ASSERT_TRUE(table.insert_local("d", holder.self()));
  EXPECT_GT(table.entry("d")->stamp, far_future);
}

TEST_F(NameTableTest, MergeKeepsTheWinnerWhicheverArrivesFirst) {
  const global_entry older{"billing", peer_pid("names-peer-b", 1, 5), 100};
  const global_entry newer{"billing", peer_pid("names-peer-a", 1, 5), 200};
  name_table one(sys), two(sys);
  EXPECT_TRUE(one.merge({older}).empty());
  EXPECT_TRUE(one.merge({newer}).empty());
  EXPECT_TRUE(two.merge({newer}).empty());
  EXPECT_TRUE(two.merge({older}).empty());
  EXPECT_EQ(one.entry("billing"), older);
  EXPECT_EQ(two.entry("billing"), older);
}

TEST_F(NameTableTest, ALocalHolderThatLosesIsReturnedAsDisplaced) {
  ASSERT_TRUE(table.insert_local("billing", holder.self()));
  auto mine = *table.entry("billing");
  const global_entry winner{"billing", peer_pid("names-peer", 1, 5), mine.stamp - 1};
  auto displaced = table.merge({winner});
  ASSERT_EQ(displaced.size(), 1u);
  EXPECT_EQ(displaced[0], mine);
  EXPECT_EQ(table.whereis("billing"), winner.holder);
}

TEST_F(NameTableTest, ALocalHolderThatWinsStays) {
  ASSERT_TRUE(table.insert_local("billing", holder.self()));
  auto mine = *table.entry("billing");
  const global_entry loser{"billing", peer_pid("names-peer", 1, 5), mine.stamp + 1};
  EXPECT_TRUE(table.merge({loser}).empty());
  EXPECT_EQ(table.whereis("billing"), holder.self());
}

TEST_F(NameTableTest, ReplaceOwnerSwapsEveryEntryOfThatNodeAnyIncarnation) {
  const auto peer = intern_node("names-owner");
  table.merge({{"old-life", pid{peer, 1, 1}, 10}, {"kept", pid{peer, 2, 2}, 11}, {"other", peer_pid("names-x", 1, 1), 12}});
  table.replace_owner(peer, {{"kept", pid{peer, 2, 2}, 11}, {"new", pid{peer, 2, 3}, 13}});
  EXPECT_EQ(names(), (std::vector<std::string>{"kept", "new", "other"}));
}

TEST_F(NameTableTest, ALostNodeTakesOnlyThatIncarnationsNames) {
  const auto peer = intern_node("names-lost");
  table.merge({{"first", pid{peer, 1, 1}, 10}, {"second", pid{peer, 2, 1}, 11}, {"elsewhere", peer_pid("names-y", 1, 1), 12}});
  table.drop_node(peer, 1);
  EXPECT_EQ(names(), (std::vector<std::string>{"elsewhere", "second"}));
}

TEST_F(NameTableTest, ARestartedNodeDropsTheNamesOfItsEarlierLives) {
  const auto peer = intern_node("names-restarted");
  table.merge({{"first", pid{peer, 1, 1}, 10}, {"second", pid{peer, 2, 1}, 11}, {"third", pid{peer, 3, 1}, 12}});
  table.drop_stale(peer, 3);
  EXPECT_EQ(names(), (std::vector<std::string>{"third"}));
}

TEST_F(NameTableTest, EraseRemoteNeedsTheExactHolder) {
  const auto p = peer_pid("names-peer", 1, 5);
  table.merge({{"billing", p, 10}});
  table.erase_remote("billing", peer_pid("names-peer", 1, 6));
  EXPECT_EQ(table.whereis("billing"), p);
  table.erase_remote("billing", p);
  EXPECT_FALSE(table.whereis("billing"));
}

TEST_F(NameTableTest, LocalEntriesAreWhatThisNodeAnnounces) {
  ASSERT_TRUE(table.insert_local("mine", holder.self()));
  table.merge({{"theirs", peer_pid("names-peer", 1, 5), 10}});
  auto local = table.local_entries();
  ASSERT_EQ(local.size(), 1u);
  EXPECT_EQ(local[0].name, "mine");
  EXPECT_TRUE(table.holds(local[0]));
  EXPECT_FALSE(table.holds({"mine", other_holder.self(), local[0].stamp}));
}

}  // namespace name_table_test
}  // namespace troupe
