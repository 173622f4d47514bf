#include <gtest/gtest.h>

#include "troupe/node/call.hpp"
#include "tests/support/node_pair.hpp"
#include "tests/support/test_messages.hpp"
#include "troupe/transport/node_events.hpp"

namespace troupe {
namespace {

using test::ping;
using test::pong;
using test::text;
using namespace std::chrono_literals;

// Delivery between two live nodes: the detector must not end the session when a loaded machine
// (TSan, suites in parallel) stalls an I/O thread; loss has suites of its own below.
class RemoteMessagingTest : public ::testing::Test {
 protected:
  test::test_node a{test::unique_name("a"), test::steady_config()};
  test::test_node b{test::unique_name("b"), test::steady_config()};
  void SetUp() override { ASSERT_TRUE(test::connect(a, b)); }
};

pid spawn_doubler(actor_system& sys) {
  return sys.spawn([](actor&) -> behavior { return {[](const ping& p) { return pong{p.n * 2}; }}; });
}

TEST_F(RemoteMessagingTest, ASendReachesAProcessOnAnotherNode) {
  scoped_actor on_b(*b.system);
  scoped_actor on_a(*a.system);
  on_a->send(on_b.self(), text{"across"});
  auto got = on_b->receive<text>(10s);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->value, "across");
}

TEST_F(RemoteMessagingTest, TheReceiverSeesTheRemoteSenderAndCanReply) {
  scoped_actor on_a(*a.system);
  pid echo = b.system->spawn([](actor& self) -> behavior {
    return {[&self](const ping& p) { self.send(self.sender(), pong{p.n + 1}); }};
  });
  on_a->send(echo, ping{1});
  auto got = on_a->receive<pong>(10s);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->n, 2u);
}

TEST_F(RemoteMessagingTest, ABlockingCallAcrossNodesReturnsTheReply) {
  pid server = spawn_doubler(*b.system);
  auto r = call<pong>(*a.system, server, ping{21}, 10s);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->n, 42u);
}

TEST_F(RemoteMessagingTest, ARequestFromAnActorToARemoteServerGetsTheReply) {
  pid server = spawn_doubler(*b.system);
  scoped_actor probe(*a.system);
  pid report = probe.self();
  a.system->spawn([server, report](actor& self) -> behavior {
    self.request<pong>(server, ping{4}, 10s, [&self, report](result<pong> r) { self.send(report, pong{r ? r->n : 0}); });
    return {[](const ping&) {}};
  });
  auto got = probe->receive<pong>(10s);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->n, 8u);
}

TEST_F(RemoteMessagingTest, MessagesFromOneProcessToAnotherArriveInOrder) {
  constexpr std::uint64_t count = 20'000;
  scoped_actor sink(*b.system);
  pid to = sink.self();
  a.system->spawn([to](actor& self) -> behavior {
    for (std::uint64_t i = 0; i < count; ++i) self.send(to, ping{i});
    return {[](const ping&) {}};
  });
  for (std::uint64_t i = 0; i < count; ++i) {
    auto got = sink->receive<ping>(10s);
    ASSERT_TRUE(got) << "message " << i << " missing";
    ASSERT_EQ(got->n, i);
  }
}

TEST_F(RemoteMessagingTest, ASendByNameReachesARegisteredProcessOnThePeer) {
  scoped_actor target(*b.system);
  ASSERT_TRUE(b.system->register_name("greeter", target.self()));
  ASSERT_TRUE(a.net->send_to_name(b.system->node_name(), "greeter", make_envelope<text>(pid{}, text{"hi"})));
  auto got = target->receive<text>(10s);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->value, "hi");
}

TEST_F(RemoteMessagingTest, ExitSignalsWorkAcrossNodes) {
  scoped_actor probe(*a.system);
  pid victim = spawn_doubler(*b.system);
  probe->monitor(victim);
  probe->exit(victim, exit_reason::kill());
  auto down = probe->receive<down_msg>(10s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->reason, exit_reason::killed());
}

TEST(RemoteNodeEventsTest, MonitorNodesReportsUpAndDown) {
  test::test_node a{test::unique_name("a"), test::fast_config()};
  scoped_actor probe(*a.system);
  a.net->monitor_nodes(probe.self(), true);
  std::string b_name;
  {
    test::test_node b{test::unique_name("b"), test::fast_config()};
    b_name = b.system->node_name();
    ASSERT_TRUE(test::connect(a, b));
    auto up = probe->receive<node_up>(10s);
    ASSERT_TRUE(up);
    EXPECT_EQ(up->node, b_name);
  }
  auto down = probe->receive<node_down>(10s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->node, b_name);
}

}  // namespace
}  // namespace troupe
