#include <gtest/gtest.h>

#include "troupe/node/behaviour/gen_server.hpp"
#include "troupe/node/behaviour/start_link.hpp"
#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using test::ping;
using test::text;
using namespace std::chrono_literals;

/// Sets a receive timeout in init; on `ping` sets it again if asked to; counts the timeouts.
class sleeper : public gen_server {
 public:
  sleeper(int* timeouts, duration d, receive_timeout_kind kind, bool rearm_on_ping = false, bool rearm_on_timeout = false)
      : timeouts_(timeouts), d_(d), kind_(kind), rearm_on_ping_(rearm_on_ping), rearm_on_timeout_(rearm_on_timeout) {}

 protected:
  init_result init() override {
    set_receive_timeout(d_, kind_);
    return init_result::ok();
  }
  behavior make_handlers() override {
    return {
        [this](const ping&) {
          if (rearm_on_ping_) set_receive_timeout(d_);
        },
        [this](const timeout_msg&) {
          ++*timeouts_;
          if (rearm_on_timeout_) set_receive_timeout(d_);
        },
    };
  }

 private:
  int* timeouts_;
  duration d_;
  receive_timeout_kind kind_;
  bool rearm_on_ping_;
  bool rearm_on_timeout_;
};

/// As `sleeper`, but sets its timeout with the one-argument form: a gen_server's default kind.
class default_sleeper : public gen_server {
 public:
  explicit default_sleeper(int* timeouts) : timeouts_(timeouts) {}

 protected:
  init_result init() override {
    set_receive_timeout(80ms);
    return init_result::ok();
  }
  behavior make_handlers() override {
    return {[this](const timeout_msg&) { ++*timeouts_; }};
  }

 private:
  int* timeouts_;
};

class GenServerTimeoutTest : public test::deterministic_fixture {
 protected:
  void TearDown() override { sys.shutdown(); }
  int timeouts = 0;
};

TEST_F(GenServerTimeoutTest, TheDefaultReceiveTimeoutFiresOnceLikeOtpsNoreplyTimeout) {
  // OTP gen_server: {noreply, State, Timeout} — "a timeout message is sent if no message is
  // received within Timeout"; it is one message, not a repeating tick.
  ASSERT_TRUE(start<default_sleeper>(sys, &timeouts));
  advance(79ms);
  EXPECT_EQ(timeouts, 0);
  advance(1ms);
  EXPECT_EQ(timeouts, 1);
  for (int i = 0; i < 7; ++i) advance(80ms);  // 600 ms of silence in all
  EXPECT_EQ(timeouts, 1);
}

TEST_F(GenServerTimeoutTest, AnyMessageCancelsTheOneShotTimeout) {
  // OTP: the timeout is cancelled when a message arrives; the callback that handles it decides
  // whether to set a new one.
  auto p = start<sleeper>(sys, &timeouts, 100ms, receive_timeout_kind::once);
  ASSERT_TRUE(p);
  advance(50ms);
  sys.send(*p, ping{});
  run();
  advance(1s);
  EXPECT_EQ(timeouts, 0);
}

TEST_F(GenServerTimeoutTest, ACallbackThatSetsTheTimeoutAgainStartsAFreshOne) {
  // OTP: returning {noreply, State, Timeout} again from the callback arms a new timeout,
  // counted from that return.
  auto p = start<sleeper>(sys, &timeouts, 100ms, receive_timeout_kind::once, true);
  ASSERT_TRUE(p);
  advance(60ms);
  sys.send(*p, ping{});
  run();
  advance(99ms);
  EXPECT_EQ(timeouts, 0);
  advance(1ms);
  EXPECT_EQ(timeouts, 1);
}

TEST_F(GenServerTimeoutTest, HandlingTheTimeoutCanArmTheNextOne) {
  // OTP: handle_info(timeout, S) -> {noreply, S, T} is how a server ticks on idleness.
  ASSERT_TRUE(start<sleeper>(sys, &timeouts, 100ms, receive_timeout_kind::once, false, true));
  for (int i = 0; i < 3; ++i) advance(100ms);
  EXPECT_EQ(timeouts, 3);
}

TEST_F(GenServerTimeoutTest, TheRepeatingKindFiresAfterEachIdlePeriod) {
  // Erlang's `receive ... after T` in a loop: every T of silence gives one timeout.
  auto p = start<sleeper>(sys, &timeouts, 100ms, receive_timeout_kind::repeating);
  ASSERT_TRUE(p);
  for (int i = 0; i < 3; ++i) advance(100ms);
  EXPECT_EQ(timeouts, 3);
  sys.send(*p, ping{});  // a message postpones it, and does not cancel it
  run();
  advance(100ms);
  EXPECT_EQ(timeouts, 4);
}

TEST_F(GenServerTimeoutTest, APlainActorKeepsTheRepeatingReceiveTimeout) {
  // A plain process is a receive loop: `receive ... after T` re-enters at each turn.
  sys.spawn([this](actor& self) -> behavior {
    self.set_receive_timeout(100ms);
    return {[this](const timeout_msg&) { ++timeouts; }};
  });
  run();
  for (int i = 0; i < 3; ++i) advance(100ms);
  EXPECT_EQ(timeouts, 3);
}

}  // namespace
}  // namespace troupe
