// sys on a pid of another node: two nodes in one process over ZeroMQ on 127.0.0.1.

#include <gtest/gtest.h>

#include "troupe/node/sys.hpp"
#include "tests/support/node_pair.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using namespace std::chrono_literals;
using test::ping;
using test::pong;

class SysRemoteTest : public ::testing::Test {
 protected:
  test::test_node a{test::unique_name("sys-a"), test::fast_config()};
  test::test_node b{test::unique_name("sys-b"), test::fast_config()};
  void SetUp() override { ASSERT_TRUE(test::connect(a, b)); }
};

/// On b: a process whose state is a running total it exposes; each ping adds to it and is
/// answered with a pong carrying the ping's number, to the sender.
pid spawn_totaliser(actor_system& sys) {
  return sys.spawn([total = std::uint64_t{0}](actor& self) mutable -> behavior {
    self.expose_state(total);
    return {[&self, &total](const ping& p) {
      total += p.n;
      self.send(self.sender(), pong{p.n});
    }};
  });
}

std::vector<std::uint64_t> receive_pongs(scoped_actor& probe, std::size_t n) {
  std::vector<std::uint64_t> got;
  while (got.size() < n) {
    auto p = probe->receive<pong>(10s);
    if (!p) break;
    got.push_back(p->n);
  }
  return got;
}

TEST_F(SysRemoteTest, GetStateAndReplaceStateWorkOnAProcessOfAnotherNode) {
  pid t = spawn_totaliser(*b.system);
  scoped_actor probe(*a.system);
  probe->send(t, ping{5});
  ASSERT_EQ(receive_pongs(probe, 1).size(), 1u);
  EXPECT_EQ(sys::get_state_as<std::uint64_t>(*a.system, t, 10s).value(), 5u);
  auto r = sys::replace_state(*a.system, t, std::uint64_t{100}, 10s);
  ASSERT_TRUE(r) << r.error().message();
  probe->send(t, ping{1});
  ASSERT_EQ(receive_pongs(probe, 1).size(), 1u);
  EXPECT_EQ(sys::get_state_as<std::uint64_t>(*a.system, t, 10s).value(), 101u);
}

TEST_F(SysRemoteTest, ASuspendedRemoteProcessHandlesItsQueuedMessagesInOrderAfterResume) {
  pid t = spawn_totaliser(*b.system);
  scoped_actor probe(*a.system);
  ASSERT_TRUE(sys::suspend(*a.system, t, 10s));
  for (std::uint64_t i = 1; i <= 20; ++i) probe->send(t, ping{i});
  // One ordered channel per node pair: the request arrives after the pings.
  auto st = sys::statistics(*a.system, t, 10s);
  ASSERT_TRUE(st) << st.error().message();
  EXPECT_EQ(st->status, "suspended");
  EXPECT_EQ(st->messages_handled, 0u);
  EXPECT_EQ(st->mailbox_length, 20u);
  ASSERT_TRUE(sys::resume(*a.system, t, 10s));
  std::vector<std::uint64_t> want(20);
  for (std::uint64_t i = 0; i < 20; ++i) want[i] = i + 1;
  EXPECT_EQ(receive_pongs(probe, 20), want);
  auto after = sys::statistics(*a.system, t, 10s);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->messages_received, 20u);
  EXPECT_EQ(after->messages_handled, 20u);
  EXPECT_EQ(after->messages_sent, 20u);
  EXPECT_GE(after->mailbox_high_water, 20u);
}

TEST_F(SysRemoteTest, TheTraceOfARemoteProcessRecordsWhatItReceivedAndSentWhileOn) {
  pid t = spawn_totaliser(*b.system);
  scoped_actor probe(*a.system);
  probe->send(t, ping{1});
  ASSERT_EQ(receive_pongs(probe, 1).size(), 1u);
  ASSERT_TRUE(sys::trace(*a.system, t, true, {}, 10s));
  probe->send(t, ping{2});
  ASSERT_EQ(receive_pongs(probe, 1).size(), 1u);
  ASSERT_TRUE(sys::trace(*a.system, t, false, {}, 10s));
  probe->send(t, ping{3});
  ASSERT_EQ(receive_pongs(probe, 1).size(), 1u);
  auto tr = sys::get_trace(*a.system, t, false, 10s);
  ASSERT_TRUE(tr) << tr.error().message();
  ASSERT_EQ(tr->events.size(), 2u);
  EXPECT_EQ(tr->events[0].direction, "in");
  EXPECT_EQ(tr->events[0].type, "test.ping");
  EXPECT_EQ(tr->events[0].peer, probe.self()) << "the remote sender, as a pid of node a";
  EXPECT_EQ(tr->events[1].direction, "out");
  EXPECT_EQ(tr->events[1].type, "test.pong");
  EXPECT_EQ(tr->events[1].peer, probe.self());
}

TEST_F(SysRemoteTest, AProcessWithoutStateOnAnotherNodeAnswersNotFound) {
  pid e = b.system->spawn([](actor&) -> behavior { return {[](const ping&) {}}; });
  auto r = sys::get_state(*a.system, e, 10s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::not_found);
}

}  // namespace
}  // namespace troupe
