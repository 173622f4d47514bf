#include <gtest/gtest.h>

#include "tests/support/driver.hpp"
#include "tests/support/node_pair.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using test::crash;
using test::ping;
using namespace std::chrono_literals;
using test::spawn_crasher;


class RemoteFailureTest : public ::testing::Test {
 protected:
  test::test_node a{test::unique_name("a"), test::fast_config()};
  std::unique_ptr<test::test_node> b = std::make_unique<test::test_node>(test::unique_name("b"), test::fast_config());
  void SetUp() override { ASSERT_TRUE(test::connect(a, *b)); }
};

TEST_F(RemoteFailureTest, ARemoteMonitorFiresDownWithTheExitReason) {
  scoped_actor probe(*a.system);
  pid victim = spawn_crasher(*b->system);
  ref_id ref = probe->monitor(victim);
  probe->send(victim, crash{"remote boom"});
  auto down = probe->receive<down_msg>(10s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->ref, ref);
  EXPECT_EQ(down->who, victim);
  EXPECT_EQ(down->reason, exit_reason::error("remote boom"));
}

TEST_F(RemoteFailureTest, ARemoteLinkPropagatesAnAbnormalExit) {
  scoped_actor probe(*a.system);
  probe->trap_exit(true);
  pid victim = spawn_crasher(*b->system);
  probe->link(victim);
  probe->send(victim, crash{"linked boom"});
  auto ex = probe->receive<exit_msg>(10s);
  ASSERT_TRUE(ex);
  EXPECT_EQ(ex->from, victim);
  EXPECT_EQ(ex->reason, exit_reason::error("linked boom"));
}

TEST_F(RemoteFailureTest, ALinkFromTheRemoteSideKillsALocalProcess) {
  scoped_actor probe(*a.system);
  pid local = spawn_crasher(*a.system);
  probe->monitor(local);
  pid remote = b->system->spawn([local](actor& self) -> behavior {
    self.link(local);
    return {[&self](const ping&) { self.stop(exit_reason::error("remote side ends")); }};
  });
  // Wait until the link is established on the local side before ending the remote process.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (a.system->info(local) && a.system->info(local)->links.empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  probe->send(remote, ping{});
  auto down = probe->receive<down_msg>(10s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->reason, exit_reason::error("remote side ends"));
}

TEST_F(RemoteFailureTest, MonitoringADeadRemotePidGivesNoproc) {
  scoped_actor probe(*a.system);
  pid victim = spawn_crasher(*b->system);
  ref_id first = probe->monitor(victim);
  probe->send(victim, crash{"gone"});
  ASSERT_TRUE(probe->receive<down_msg>(10s));
  ref_id second = probe->monitor(victim);
  auto down = probe->receive<down_msg>(10s);
  ASSERT_TRUE(down);
  EXPECT_NE(first, second);
  EXPECT_EQ(down->ref, second);
  EXPECT_EQ(down->reason, exit_reason::noproc());
}

TEST_F(RemoteFailureTest, LosingTheNodeFiresNoconnectionForMonitorsAndLinks) {
  scoped_actor probe(*a.system);
  probe->trap_exit(true);
  pid watched = spawn_crasher(*b->system);
  pid linked = spawn_crasher(*b->system);
  ref_id ref = probe->monitor(watched);
  probe->link(linked);
  // Make sure both signals reached the peer before it goes away.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while ((b->system->info(linked)->links.empty() || b->system->info(watched)->monitored_by.empty()) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  auto lost_at = std::chrono::steady_clock::now();
  b.reset();  // the node goes away
  auto down = probe->receive<down_msg>(10s);
  auto ex = probe->receive<exit_msg>(10s);
  ASSERT_TRUE(down);
  ASSERT_TRUE(ex);
  EXPECT_EQ(down->ref, ref);
  EXPECT_EQ(down->reason, exit_reason::noconnection());
  EXPECT_EQ(ex->from, linked);
  EXPECT_EQ(ex->reason, exit_reason::noconnection());
  EXPECT_LT(std::chrono::steady_clock::now() - lost_at, 5s);
  EXPECT_FALSE(probe->receive<down_msg>(100ms)) << "each monitor fires once";
}

TEST_F(RemoteFailureTest, AMonitorOnAnUnreachableNodeGivesNoconnection) {
  pid elsewhere{intern_node(test::unique_name("never-connected")), 1, 1};
  scoped_actor probe(*a.system);
  probe->monitor(elsewhere);
  auto down = probe->receive<down_msg>(5s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->reason, exit_reason::noconnection());
}

TEST(RemoteRestartTest, APidOfAPreviousCreationIsDead) {
  test::test_node a{test::unique_name("a"), test::fast_config()};
  std::string b_name = test::unique_name("b");
  pid old_pid;
  std::string address;
  {
    test::test_node b1{b_name, test::fast_config(), 1};
    ASSERT_TRUE(test::connect(a, b1));
    old_pid = spawn_crasher(*b1.system);
    address = b1.net->address();
  }
  auto cfg = test::fast_config();
  cfg.listen = address;  // the restarted node comes back at the same address
  test::test_node b2{b_name, cfg, 2};
  ASSERT_TRUE(test::connect(a, b2));
  ASSERT_EQ(old_pid.creation, 1u);
  scoped_actor probe(*a.system);
  probe->monitor(old_pid);
  auto down = probe->receive<down_msg>(10s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->reason, exit_reason::noproc());
}

}  // namespace
}  // namespace troupe
