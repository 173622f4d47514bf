// Link faults (transport/link_faults.hpp): the delay/loss hook netlab falls back on without netem.
// Unit tests drive the delay line with explicit time points; the integration tests run two real
// nodes over ZeroMQ on 127.0.0.1 and measure what a process on the other side receives.

#include <gtest/gtest.h>

#include "troupe/node/call.hpp"
#include "tests/support/node_pair.hpp"
#include "tests/support/test_messages.hpp"
#include "troupe/transport/link_faults.hpp"

namespace troupe {
namespace {

using namespace std::chrono_literals;
using transport::batch;
using transport::link_fault;
using transport::link_faults;
using clock_type = link_faults::clock;

std::vector<batch> batches(std::initializer_list<const char*> contents) {
  std::vector<batch> out;
  for (auto* c : contents) out.push_back({c, 1});
  return out;
}

TEST(LinkFaultsUnit, AHealthyLinkHasNoFaultAndHoldsNothing) {
  link_faults f;
  EXPECT_FALSE(f.active());
  f.set("b", {100ms, 0ms, 0.0});
  EXPECT_TRUE(f.active());
  f.set("b", {});
  EXPECT_FALSE(f.active());
  EXPECT_FALSE(f.fault_for("b"));
}

TEST(LinkFaultsUnit, DelayedBatchesLeaveWhenDueAndInOrder) {
  link_faults f;
  f.set("b", {100ms, 0ms, 0.0});
  auto t0 = clock_type::now();
  auto taken = batches({"1", "2", "3"});
  f.hold("b", taken, t0);
  EXPECT_TRUE(taken.empty());
  std::vector<batch> out;
  f.release_due("b", t0 + 99ms, out);
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(f.next_due());
  EXPECT_EQ(*f.next_due(), t0 + 100ms);
  f.release_due("b", t0 + 100ms, out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].bytes, "1");
  EXPECT_EQ(out[2].bytes, "3");
}

TEST(LinkFaultsUnit, JitterAndLossNeverReorderBatches) {
  link_faults f;
  f.set("*", {20ms, 19ms, 0.5});  // "*": every peer without its own setting
  auto t0 = clock_type::now();
  std::vector<batch> out;
  for (int i = 0; i < 200; ++i) {
    std::vector<batch> one{{std::to_string(i), 1}};
    f.hold("b", one, t0 + std::chrono::milliseconds(i));
  }
  f.release_due("b", t0 + 1h, out);
  ASSERT_EQ(out.size(), 200u);
  for (int i = 0; i < 200; ++i) ASSERT_EQ(out[i].bytes, std::to_string(i));
}

TEST(LinkFaultsUnit, TheWildcardAppliesToMembersButSparesHiddenNodes) {
  link_faults f;
  f.set("*", {100ms, 0ms, 0.0});
  EXPECT_TRUE(f.fault_for("n2"));
  EXPECT_FALSE(f.fault_for("~troupectl-42"));
  f.set("~troupectl-42", {50ms, 0ms, 0.0});  // named explicitly, it is delayed too
  EXPECT_EQ(f.fault_for("~troupectl-42")->delay, 50ms);
}

TEST(LinkFaultsUnit, LossIsClampedSoABatchAlwaysLeavesEventually) {
  link_faults f;
  f.set("b", {0ms, 0ms, 1.0});
  EXPECT_LE(f.fault_for("b")->loss, 0.95);
}

TEST(LinkFaultsUnit, DroppingAPeersLineReportsWhatItHeld) {
  link_faults f;
  f.set("b", {1s, 0ms, 0.0});
  auto taken = batches({"abc", "de"});
  f.hold("b", taken, clock_type::now());
  auto [messages, bytes] = f.drop("b");
  EXPECT_EQ(messages, 2u);
  EXPECT_EQ(bytes, 5u);
  f.set("b", {});
  EXPECT_FALSE(f.active());
}

class LinkFaultsTest : public ::testing::Test {
 protected:
  test::test_node a{test::unique_name("a"), test::fast_config()};
  test::test_node b{test::unique_name("b"), test::fast_config()};
  void SetUp() override { ASSERT_TRUE(test::connect(a, b)); }

  pid spawn_echo_on_b() {
    return b.system->spawn([](actor&) -> behavior { return {[](const test::ping& p) { return test::pong{p.n}; }}; });
  }
  /// The round trip of a call from a to b, in milliseconds.
  double round_trip_ms(const pid& server) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = call<test::pong>(*a.system, server, test::ping{1}, 10s);
    EXPECT_TRUE(r) << r.error().message();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  }
};

TEST_F(LinkFaultsTest, ADelayOnTheLinkSlowsEveryCallByAtLeastTheDelayUntilCleared) {
  pid server = spawn_echo_on_b();
  round_trip_ms(server);  // types interned, channels warm
  b.net->faults().set(a.system->node_name(), {150ms, 0ms, 0.0});  // b's answers to a wait 150 ms
  EXPECT_GE(round_trip_ms(server), 150.0);
  EXPECT_GE(round_trip_ms(server), 150.0);
  b.net->faults().set(a.system->node_name(), {});
  EXPECT_LT(round_trip_ms(server), 150.0);
}

TEST_F(LinkFaultsTest, LossWithJitterLosesNoMessageAndKeepsTheirOrder) {
  constexpr std::uint64_t count = 300;
  a.net->faults().set("*", {5ms, 5ms, 0.2});
  scoped_actor sink(*b.system);
  pid to = sink.self();
  // Ten messages a millisecond, so that they leave in many batches, each at risk of a "loss".
  a.system->spawn([to, next = std::uint64_t{0}](actor& self) mutable -> behavior {
    self.send(self.self(), test::text{"tick"});
    return {[&self, to, &next](const test::text&) {
      for (int k = 0; k < 10 && next < count; ++k) self.send(to, test::ping{next++});
      if (next < count) self.send_after(self.self(), 1ms, test::text{"tick"});
    }};
  });
  for (std::uint64_t i = 0; i < count; ++i) {
    auto got = sink->receive<test::ping>(20s);
    ASSERT_TRUE(got) << "message " << i << " missing";
    ASSERT_EQ(got->n, i);
  }
  EXPECT_TRUE(a.net->connected(b.system->node_name()));  // a slow link is not a lost peer
}

}  // namespace
}  // namespace troupe
