#include "troupe/node/behaviour/circuit_breaker.hpp"

#include <gtest/gtest.h>

#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using namespace std::chrono_literals;

class CircuitBreakerTest : public ::testing::Test {
 protected:
  manual_clock clock;
  circuit_breaker breaker{clock, {.max_failures = 3, .window = 10s, .cool_down = 30s}};

  void fail_times(int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(breaker.ask());
      breaker.record_failure();
    }
  }
};

TEST_F(CircuitBreakerTest, AClosedCircuitLetsEveryCallThrough) {
  fail_times(2);
  EXPECT_EQ(breaker.state(), breaker_state::closed);
  EXPECT_TRUE(breaker.ask());
}

TEST_F(CircuitBreakerTest, ItOpensAfterMaxFailuresWithinTheWindow) {
  fail_times(3);
  EXPECT_EQ(breaker.state(), breaker_state::open);
  EXPECT_FALSE(breaker.ask());
}

TEST_F(CircuitBreakerTest, FailuresOlderThanTheWindowAreForgotten) {
  fail_times(2);
  clock.advance(10s);
  fail_times(2);
  EXPECT_EQ(breaker.state(), breaker_state::closed);
}

TEST_F(CircuitBreakerTest, AfterTheCoolDownExactlyOneTrialCallGoesThrough) {
  fail_times(3);
  clock.advance(29s);
  EXPECT_FALSE(breaker.ask()) << "still cooling down";
  clock.advance(1s);
  EXPECT_TRUE(breaker.ask());
  EXPECT_EQ(breaker.state(), breaker_state::half_open);
  EXPECT_FALSE(breaker.ask()) << "one trial at a time";
}

TEST_F(CircuitBreakerTest, ASuccessfulTrialClosesTheCircuit) {
  fail_times(3);
  clock.advance(30s);
  ASSERT_TRUE(breaker.ask());
  breaker.record_success();
  EXPECT_EQ(breaker.state(), breaker_state::closed);
  fail_times(2);
  EXPECT_EQ(breaker.state(), breaker_state::closed) << "the old failures were cleared";
}

TEST_F(CircuitBreakerTest, AFailedTrialReopensTheCircuitForAnotherCoolDown) {
  fail_times(3);
  clock.advance(30s);
  ASSERT_TRUE(breaker.ask());
  breaker.record_failure();
  EXPECT_EQ(breaker.state(), breaker_state::open);
  clock.advance(29s);
  EXPECT_FALSE(breaker.ask());
  clock.advance(1s);
  EXPECT_TRUE(breaker.ask());
}

TEST_F(CircuitBreakerTest, RunRefusesWithOverloadedWhileOpenWithoutCallingTheFunction) {
  int calls = 0;
  auto failing = [&]() -> result<int> { ++calls; return fail(errc::timeout); };
  for (int i = 0; i < 3; ++i) EXPECT_EQ(breaker.run(failing).error().code(), errc::timeout);
  EXPECT_EQ(breaker.run(failing).error().code(), errc::overloaded);
  EXPECT_EQ(calls, 3);
}

class CircuitBreakerCallTest : public test::deterministic_fixture {
 protected:
  void TearDown() override { sys.shutdown(); }
};

TEST_F(CircuitBreakerCallTest, RequestsThroughTheBreakerCountDeadTargetsAsFailures) {
  auto breaker = std::make_shared<circuit_breaker>(sys.clock(), circuit_breaker_options{.max_failures = 2, .cool_down = 5s});
  pid server = sys.spawn([](actor&) -> behavior { return {[](const test::ping& p) { return test::pong{p.n}; }}; });
  pid dead = sys.spawn([](actor& self) -> behavior { self.stop(); return {}; });
  auto results = std::make_shared<std::vector<errc>>();
  auto client = sys.spawn([=](actor& self) -> behavior {
    return {[=, &self](const test::forward_to& t) {
      breaker->request<test::pong>(self, t.target, test::ping{1}, 1s, [=](result<test::pong> r) {
        results->push_back(r ? errc{} : r.error().code());
      });
    }};
  });
  (void)server;
  run();
  for (int i = 0; i < 3; ++i) {
    sys.send(client, test::forward_to{dead});
    run();
  }
  EXPECT_EQ(*results, (std::vector<errc>{errc::noproc, errc::noproc, errc::overloaded}));
  advance(5s);
  sys.send(client, test::forward_to{server});
  run();
  EXPECT_EQ(results->back(), errc{}) << "the trial call reached a live server";
  EXPECT_EQ(breaker->state(), breaker_state::closed);
}

}  // namespace
}  // namespace troupe
