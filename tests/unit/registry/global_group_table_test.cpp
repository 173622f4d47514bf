// global_group_table alone: one replica of every process group on a deterministic actor_system
// with no network. Remote members are pids of other node names; the server is a scoped_actor
// that collects what the table tells it.
#include "troupe/registry/global_group_table.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "troupe/node/scoped_actor.hpp"

namespace troupe {
namespace global_group_table_test {

using namespace std::chrono_literals;

class GlobalGroupTableTest : public ::testing::Test {
 protected:
  GlobalGroupTableTest() { table.set_server(server.self()); }

  std::vector<detail::global_group_watch> told() {
    std::vector<detail::global_group_watch> out;
    while (auto w = server->receive<detail::global_group_watch>(0s)) out.push_back(*w);
    return out;
  }
  static std::vector<pid> sorted(std::vector<pid> v) {
    std::sort(v.begin(), v.end());
    return v;
  }

  actor_system sys{actor_system_config{.node_name = "groups-local", .creation = 1, .deterministic = true}};
  scoped_actor server{sys};
  scoped_actor a{sys};
  scoped_actor b{sys};
  global_group_table table{sys};
  const node_index peer = intern_node("groups-peer");
  const pid remote1{peer, 1, 11};
  const pid remote2{peer, 1, 12};
};

TEST_F(GlobalGroupTableTest, ALocalJoinIsReadAtOnceAndToldToTheServer) {
  EXPECT_TRUE(table.join_local("workers", a.self()));
  EXPECT_EQ(table.members("workers"), std::vector<pid>{a.self()});
  EXPECT_TRUE(table.contains("workers", a.self()));
  auto w = told();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].group, "workers");
  EXPECT_EQ(w[0].member, a.self());
  EXPECT_TRUE(w[0].joined);
}

TEST_F(GlobalGroupTableTest, JoiningTwiceIsANoOpAndTellsNobody) {
  ASSERT_TRUE(table.join_local("workers", a.self()));
  told();
  EXPECT_FALSE(table.join_local("workers", a.self()));
  EXPECT_EQ(table.members("workers").size(), 1u);
  EXPECT_TRUE(told().empty());
}

TEST_F(GlobalGroupTableTest, LeavingTheLastMemberRemovesTheGroup) {
  ASSERT_TRUE(table.join_local("workers", a.self()));
  ASSERT_TRUE(table.join_local("workers", b.self()));
  told();
  EXPECT_FALSE(table.leave_local("workers", remote1));
  EXPECT_FALSE(table.leave_local("nobody", a.self()));
  EXPECT_TRUE(table.leave_local("workers", a.self()));
  EXPECT_EQ(table.groups(), std::vector<std::string>{"workers"});
  EXPECT_TRUE(table.leave_local("workers", b.self()));
  EXPECT_TRUE(table.groups().empty());
  auto w = told();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_FALSE(w[0].joined);
  EXPECT_EQ(w[0].member, a.self());
  EXPECT_EQ(w[1].member, b.self());
}

TEST_F(GlobalGroupTableTest, PeerMembersJoinTheSameGroupOnceEach) {
  ASSERT_TRUE(table.join_local("workers", a.self()));
  table.add({"workers", {remote1, remote2}});
  table.add({"workers", {remote1}});  // repeated: still one membership
  EXPECT_EQ(sorted(table.members("workers")), sorted({a.self(), remote1, remote2}));
  EXPECT_EQ(table.local_members("workers"), std::vector<pid>{a.self()});
  table.remove({"workers", {remote1}});
  EXPECT_EQ(sorted(table.members("workers")), sorted({a.self(), remote2}));
  table.remove({"missing", {remote1}});
  EXPECT_EQ(table.groups(), std::vector<std::string>{"workers"});
}

TEST_F(GlobalGroupTableTest, AnEmptyAnnouncementCreatesNoGroup) {
  table.add({"ghosts", {}});
  EXPECT_TRUE(table.groups().empty());
}

TEST_F(GlobalGroupTableTest, GroupsAreListedInOrder) {
  table.add({"zeta", {remote1}});
  table.add({"alpha", {remote1}});
  ASSERT_TRUE(table.join_local("mid", a.self()));
  EXPECT_EQ(table.groups(), (std::vector<std::string>{"alpha", "mid", "zeta"}));
}

TEST_F(GlobalGroupTableTest, LocalGroupsAreWhatThisNodeAnnounces) {
  ASSERT_TRUE(table.join_local("workers", a.self()));
  table.add({"workers", {remote1}});
  table.add({"theirs", {remote2}});
  auto mine = table.local_groups();
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].group, "workers");
  EXPECT_EQ(mine[0].members, std::vector<pid>{a.self()});
}

TEST_F(GlobalGroupTableTest, ReplaceOwnerSwapsEveryMembershipOfThatNodeAnyIncarnation) {
  const pid old_life{peer, 0, 5};
  table.add({"workers", {old_life, remote1}});
  table.add({"stale", {remote2}});
  ASSERT_TRUE(table.join_local("workers", a.self()));
  table.replace_owner(peer, {{"workers", {remote2}}, {"fresh", {remote1}}});
  EXPECT_EQ(sorted(table.members("workers")), sorted({a.self(), remote2}));
  EXPECT_EQ(table.members("fresh"), std::vector<pid>{remote1});
  EXPECT_TRUE(table.members("stale").empty());
  EXPECT_EQ(table.groups(), (std::vector<std::string>{"fresh", "workers"}));
}

TEST_F(GlobalGroupTableTest, ALostNodeTakesOnlyThatIncarnationsMembers) {
  const pid next_life{peer, 2, 1};
  table.add({"workers", {remote1, next_life}});
  table.add({"only-lost", {remote2}});
  table.drop_node(peer, 1);
  EXPECT_EQ(table.members("workers"), std::vector<pid>{next_life});
  EXPECT_EQ(table.groups(), std::vector<std::string>{"workers"});
}

TEST_F(GlobalGroupTableTest, ARestartedNodeDropsTheMembersOfItsEarlierLives) {
  const pid next_life{peer, 2, 1};
  table.add({"workers", {remote1, next_life}});
  table.drop_stale(peer, 2);
  EXPECT_EQ(table.members("workers"), std::vector<pid>{next_life});
}

TEST_F(GlobalGroupTableTest, AnUnknownGroupHasNoMembers) {
  EXPECT_TRUE(table.members("nobody").empty());
  EXPECT_FALSE(table.contains("nobody", a.self()));
}

}  // namespace global_group_table_test
}  // namespace troupe
