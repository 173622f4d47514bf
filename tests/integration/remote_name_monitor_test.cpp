// Monitors by {RegName, Node} across two real nodes over ZeroMQ (Erlang monitor(process, {Name, Node})).
#include <gtest/gtest.h>

#include "tests/support/eventually.hpp"
#include "tests/support/driver.hpp"
#include "tests/support/node_pair.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using test::crash;
using namespace std::chrono_literals;
using test::spawn_crasher;


/// Waits until `p` on its own node has `n` monitors on it (a remote monitor has landed there).
bool watched_by(actor_system& sys, const pid& p, std::size_t n) {
  return test::eventually([&] {
    auto i = sys.info(p);
    return i && i->monitored_by.size() == n;
  }, 10s);
}

class RemoteNameMonitorTest : public ::testing::Test {
 protected:
  test::test_node a{test::unique_name("a"), test::fast_config()};
  std::unique_ptr<test::test_node> b = std::make_unique<test::test_node>(test::unique_name("b"), test::fast_config());
  void SetUp() override { ASSERT_TRUE(test::connect(a, *b)); }
  std::string b_name() const { return b->system->node_name(); }
  std::size_t watches_on_a() const {
    for (auto& p : a.net->peers())
      if (p.name == b_name()) return p.watches;
    return 0;
  }
};

TEST_F(RemoteNameMonitorTest, ANameNobodyHoldsOnTheOtherNodeGivesDownNoproc) {
  // Erlang monitor/2: "If the process is not registered, a 'DOWN' message is sent immediately
  // with reason noproc" — for {RegName, Node} the other node answers so.
  scoped_actor probe(*a.system);
  ref_id ref = probe->monitor("nobody", b_name());
  auto down = probe->receive<down_msg>(10s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->ref, ref);
  EXPECT_TRUE(down->who.is_null());
  EXPECT_EQ(down->reason, exit_reason::noproc());
  EXPECT_TRUE(test::eventually([&] { return watches_on_a() == 0; }, 10s)) << "the answered monitor is forgotten";
  EXPECT_EQ(b->system->counters().dead_letters.load(), 0u) << "a monitor answered is not a dead letter";
}

TEST_F(RemoteNameMonitorTest, ARegisteredNameOnTheOtherNodeIsMonitoredAsTheProcessHoldingIt) {
  // Erlang: monitor(process, {RegName, Node}) monitors the process registered as RegName on
  // Node; its 'DOWN' carries that process's exit reason.
  scoped_actor probe(*a.system);
  pid victim = spawn_crasher(*b->system);
  ASSERT_TRUE(b->system->register_name("db", victim));
  ref_id ref = probe->monitor("db", b_name());
  ASSERT_TRUE(watched_by(*b->system, victim, 1));
  probe->send(victim, crash{"db down"});
  auto down = probe->receive<down_msg>(10s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->ref, ref);
  EXPECT_EQ(down->who, victim);
  EXPECT_EQ(down->reason, exit_reason::error("db down"));
}

TEST_F(RemoteNameMonitorTest, ANodeThatIsNotConnectedGivesDownNoconnection) {
  // Erlang: when monitoring {RegName, Node} and the connection to Node fails (or Node does not
  // exist), the 'DOWN' reason is noconnection.
  scoped_actor probe(*a.system);
  ref_id ref = probe->monitor("db", "no-such-node");
  auto down = probe->receive<down_msg>(5s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->ref, ref);
  EXPECT_EQ(down->reason, exit_reason::noconnection());
}

TEST_F(RemoteNameMonitorTest, LosingTheNodeFiresNoconnectionForAMonitorByName) {
  // Erlang: a monitor fires with reason noconnection when the connection to the node is lost.
  scoped_actor probe(*a.system);
  pid holder = spawn_crasher(*b->system);
  ASSERT_TRUE(b->system->register_name("db", holder));
  ref_id ref = probe->monitor("db", b_name());
  ASSERT_TRUE(watched_by(*b->system, holder, 1));
  b.reset();  // the node goes away
  auto down = probe->receive<down_msg>(15s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->ref, ref);
  EXPECT_EQ(down->reason, exit_reason::noconnection());
  EXPECT_FALSE(probe->receive<down_msg>(300ms)) << "exactly one DOWN per monitor";
}

TEST_F(RemoteNameMonitorTest, DemonitoringAMonitorByNameRemovesItOnTheOtherNode) {
  // Erlang demonitor/1: "If MonitorRef is a reference that the calling process obtained by
  // calling monitor/2, this monitoring is turned off" — no 'DOWN' comes for it afterwards.
  scoped_actor probe(*a.system);
  pid holder = spawn_crasher(*b->system);
  ASSERT_TRUE(b->system->register_name("db", holder));
  ref_id ref = probe->monitor("db", b_name());
  ASSERT_TRUE(watched_by(*b->system, holder, 1));
  EXPECT_TRUE(probe->demonitor(ref));
  ASSERT_TRUE(watched_by(*b->system, holder, 0));
  EXPECT_TRUE(test::eventually([&] { return watches_on_a() == 0; }, 10s));
  ref_id other = probe->monitor(holder);  // a plain monitor proves the crash's DOWN came through
  probe->send(holder, crash{"after demonitor"});
  auto down = probe->receive<down_msg>(10s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->ref, other);
  EXPECT_FALSE(probe->receive<down_msg>(300ms));
}

TEST_F(RemoteNameMonitorTest, ThisNodesOwnNameMonitorsLocally) {
  // monitor(process, {RegName, node()}) is the same as monitor(process, RegName).
  scoped_actor probe(*a.system);
  ref_id ref = probe->monitor("nobody", a.system->node_name());
  auto down = probe->receive<down_msg>(5s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->ref, ref);
  EXPECT_EQ(down->reason, exit_reason::noproc());
}

}  // namespace
}  // namespace troupe
