#include <gtest/gtest.h>

#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using test::ping;
using test::text;
using namespace std::chrono_literals;

class TimerTest : public test::deterministic_fixture {};

TEST_F(TimerTest, SendAfterDeliversAtTheDeadlineAndNotBefore) {
  scoped_actor probe(sys);
  sys.send_after(probe.self(), 100ms, ping{7});
  advance(99ms);
  EXPECT_FALSE(probe->receive<ping>(0s));
  advance(1ms);
  auto p = probe->receive<ping>(0s);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->n, 7u);
}

TEST_F(TimerTest, ACancelledTimerNeverDelivers) {
  scoped_actor probe(sys);
  auto t = sys.send_after(probe.self(), 10ms, ping{1});
  EXPECT_TRUE(sys.cancel_timer(t));
  advance(1s);
  EXPECT_FALSE(probe->receive<ping>(0s));
}

TEST_F(TimerTest, ATimerCancelledAfterFiringButBeforeHandlingNeverDelivers) {
  int handled = 0;
  pid p = sys.spawn([&handled](actor&) -> behavior { return {[&handled](const ping&) { ++handled; }}; });
  run();
  auto t = sys.send_after(p, 10ms, ping{1});
  sys.advance_time(10ms);  // fired: the message is in the mailbox, the process has not run
  ASSERT_EQ(sys.stepper()->pending(), 1u);
  EXPECT_TRUE(sys.cancel_timer(t));
  run();
  EXPECT_EQ(handled, 0);
}

TEST_F(TimerTest, CancellingADeliveredTimerReportsFalse) {
  scoped_actor probe(sys);
  auto t = sys.send_after(probe.self(), 1ms, ping{1});
  advance(1ms);
  ASSERT_TRUE(probe->receive<ping>(0s));
  EXPECT_FALSE(sys.cancel_timer(t));
}

TEST_F(TimerTest, AnActorCanSendItselfATimer) {
  std::vector<std::string> log;
  pid p = sys.spawn([&log](actor& self) -> behavior {
    self.send_after(self.self(), 50ms, text{"tick"});
    return {[&log](const text& t) { log.push_back(t.value); }};
  });
  run();
  advance(49ms);
  EXPECT_TRUE(log.empty());
  advance(1ms);
  EXPECT_EQ(log, std::vector<std::string>{"tick"});
  EXPECT_TRUE(sys.alive(p));
}

TEST_F(TimerTest, ReceiveTimeoutFiresAfterIdleTime) {
  int timeouts = 0;
  sys.spawn([&timeouts](actor& self) -> behavior {
    self.set_receive_timeout(100ms);
    return {[&timeouts](const timeout_msg&) { ++timeouts; }, [](const ping&) {}};
  });
  run();
  advance(99ms);
  EXPECT_EQ(timeouts, 0);
  advance(1ms);
  EXPECT_EQ(timeouts, 1);
}

TEST_F(TimerTest, ReceiveTimeoutIsPostponedByEachMessage) {
  int timeouts = 0;
  pid p = sys.spawn([&timeouts](actor& self) -> behavior {
    self.set_receive_timeout(100ms);
    return {[&timeouts](const timeout_msg&) { ++timeouts; }, [](const ping&) {}};
  });
  run();
  for (int i = 0; i < 5; ++i) {
    advance(60ms);
    sys.send(p, ping{});
    run();
  }
  EXPECT_EQ(timeouts, 0);
  advance(100ms);
  EXPECT_EQ(timeouts, 1);
}

TEST_F(TimerTest, ReceiveTimeoutCanBeTurnedOff) {
  int timeouts = 0;
  pid p = sys.spawn([&timeouts](actor& self) -> behavior {
    self.set_receive_timeout(10ms);
    return {[&timeouts](const timeout_msg&) { ++timeouts; }, [&self](const ping&) { self.set_receive_timeout({}); }};
  });
  run();
  sys.send(p, ping{});
  run();
  advance(1s);
  EXPECT_EQ(timeouts, 0);
}

TEST_F(TimerTest, ATimerToADeadProcessIsDroppedAsADeadLetter) {
  pid p = sys.spawn([](actor&) -> behavior { return {[](const ping&) {}}; });
  sys.send_after(p, 10ms, ping{});
  sys.exit(p, exit_reason::kill());
  run();
  advance(10ms);
  EXPECT_EQ(sys.counters().dead_letters.load(), 1u);
}

TEST_F(TimerTest, ReadTimerGivesTheTimeLeftUntilTheTimerFires) {
  // Erlang read_timer/1: "the number of milliseconds left until the timer expires".
  scoped_actor probe(sys);
  auto t = sys.send_after(probe.self(), 100ms, ping{1});
  EXPECT_EQ(sys.read_timer(t), 100ms);
  advance(30ms);
  EXPECT_EQ(sys.read_timer(t), 70ms);
}

TEST_F(TimerTest, ReadTimerGivesNothingOnceTheTimerFiredOrWasCancelled) {
  // Erlang: read_timer returns false when the timer has expired or been cancelled.
  scoped_actor probe(sys);
  auto fired = sys.send_after(probe.self(), 10ms, ping{1});
  auto cancelled = sys.send_after(probe.self(), 10ms, ping{2});
  ASSERT_TRUE(sys.cancel_timer(cancelled));
  EXPECT_FALSE(sys.read_timer(cancelled));
  advance(10ms);
  EXPECT_FALSE(sys.read_timer(fired));
  EXPECT_FALSE(sys.read_timer(timer_handle{}));
}

TEST_F(TimerTest, AnAbsoluteTimerDeliversAtItsDeadline) {
  // Erlang send_after(Time, Dest, Msg, [{abs, true}]): Time is an absolute monotonic time.
  scoped_actor probe(sys);
  auto deadline = sys.clock().now() + 250ms;
  advance(100ms);
  auto t = sys.send_at(probe.self(), deadline, ping{5});
  EXPECT_EQ(sys.read_timer(t), 150ms);
  advance(149ms);
  EXPECT_FALSE(probe->receive<ping>(0s));
  advance(1ms);
  auto got = probe->receive<ping>(0s);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->n, 5u);
}

TEST_F(TimerTest, AnAbsoluteTimerWhoseDeadlineHasPassedFiresAtOnce) {
  // Erlang: an absolute time in the past makes the timer expire immediately.
  scoped_actor probe(sys);
  auto past = sys.clock().now() - 1s;
  sys.send_at(probe.self(), past, ping{6});
  advance({});
  EXPECT_TRUE(probe->receive<ping>(0s));
}

TEST_F(TimerTest, AnActorCanSetAnAbsoluteTimerAndReadIt) {
  std::optional<duration> left;
  std::vector<std::string> log;
  sys.spawn([&](actor& self) -> behavior {
    auto t = self.send_at(self.self(), self.system().clock().now() + 40ms, text{"at"});
    left = self.read_timer(t);
    return {[&log](const text& m) { log.push_back(m.value); }};
  });
  run();
  EXPECT_EQ(left, 40ms);
  advance(40ms);
  EXPECT_EQ(log, std::vector<std::string>{"at"});
}

}  // namespace
}  // namespace troupe
