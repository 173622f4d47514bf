#include <gtest/gtest.h>

#include <stdexcept>

#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using test::crash;
using test::ping;
using test::pong;
using test::text;
using namespace std::chrono_literals;

class ActorTest : public test::deterministic_fixture {};

/// Replies pong{n+1} to every ping; throws on crash.
class echo final : public actor {
 protected:
  behavior make_behavior() override {
    return {
        [this](const ping& p) { send(sender(), pong{p.n + 1}); },
        [](const crash& c) -> void { throw std::runtime_error(c.why); },
    };
  }
};

TEST_F(ActorTest, ARepliesToTheSenderOfAMessage) {
  scoped_actor probe(sys);
  pid e = sys.spawn<echo>();
  probe->send(e, ping{41});
  run();
  auto reply = probe->receive<pong>(0s);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->n, 42u);
}

TEST_F(ActorTest, HandlesMessagesInTheOrderOneSenderSentThem) {
  std::vector<std::uint64_t> seen;
  pid a = sys.spawn([&seen](actor&) -> behavior { return {[&seen](const ping& p) { seen.push_back(p.n); }}; });
  for (std::uint64_t i = 0; i < 1000; ++i) sys.send(a, ping{i});
  run();
  ASSERT_EQ(seen.size(), 1000u);
  for (std::uint64_t i = 0; i < 1000; ++i) EXPECT_EQ(seen[i], i);
}

TEST_F(ActorTest, AnExceptionInAHandlerEndsTheProcessWithItsText) {
  scoped_actor probe(sys);
  pid e = sys.spawn<echo>();
  ref_id ref = probe->monitor(e);
  probe->send(e, crash{"boom"});
  run();
  auto down = probe->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->ref, ref);
  EXPECT_EQ(down->who, e);
  EXPECT_EQ(down->reason, exit_reason::error("boom"));
  EXPECT_FALSE(sys.alive(e));
}

TEST_F(ActorTest, AnExceptionInStartEndsTheProcess) {
  struct bad_start final : actor {
    void on_start() override { throw std::logic_error("cannot start"); }
  };
  scoped_actor probe(sys);
  pid p = sys.spawn<bad_start>();
  probe->monitor(p);
  run();
  auto down = probe->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->reason, exit_reason::error("cannot start"));
}

TEST_F(ActorTest, OnExitRunsWithTheExitReason) {
  std::optional<exit_reason> seen;
  struct recorder final : actor {
    std::optional<exit_reason>* out;
    explicit recorder(std::optional<exit_reason>* o) : out(o) {}
    behavior make_behavior() override {
      return {[this](const text& t) { stop(exit_reason::shutdown(t.value)); }};
    }
    void on_exit(const exit_reason& r) override { *out = r; }
  };
  pid p = sys.spawn<recorder>(&seen);
  sys.send(p, text{"done"});
  run();
  ASSERT_TRUE(seen);
  EXPECT_EQ(*seen, exit_reason::shutdown("done"));
}

TEST_F(ActorTest, AnUnexpectedMessageIsCountedAndDoesNotStopTheProcess) {
  pid e = sys.spawn<echo>();
  sys.send(e, text{"nobody handles this"});
  run();
  EXPECT_EQ(sys.counters().unhandled.load(), 1u);
  EXPECT_TRUE(sys.alive(e));
}

TEST_F(ActorTest, ASendToADeadProcessIsADeadLetter) {
  pid e = sys.spawn<echo>();
  sys.exit(e, exit_reason::kill());
  run();
  ASSERT_FALSE(sys.alive(e));
  sys.send(e, ping{1});
  EXPECT_EQ(sys.counters().dead_letters.load(), 1u);
}

TEST_F(ActorTest, APidOfAPreviousCreationIsDead) {
  pid e = sys.spawn<echo>();
  run();
  pid previous_life{e.node, sys.creation() - 1, e.serial};
  scoped_actor probe(sys);
  probe->monitor(previous_life);
  auto down = probe->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->reason, exit_reason::noproc());
}

TEST_F(ActorTest, BecomeReplacesTheHandlers) {
  std::vector<std::string> log;
  pid a = sys.spawn([&log](actor& self) -> behavior {
    return {[&log, &self](const text& t) {
      log.push_back("first:" + t.value);
      self.become({[&log](const text& t2) { log.push_back("second:" + t2.value); }});
    }};
  });
  sys.send(a, text{"a"});
  sys.send(a, text{"b"});
  run();
  EXPECT_EQ(log, (std::vector<std::string>{"first:a", "second:b"}));
}

TEST_F(ActorTest, AProcessHandlesABoundedBatchPerTurnSoOthersGetTheirTurn) {
  std::vector<char> order;
  pid busy = sys.spawn([&order](actor&) -> behavior { return {[&order](const ping&) { order.push_back('b'); }}; });
  pid other = sys.spawn([&order](actor&) -> behavior { return {[&order](const ping&) { order.push_back('o'); }}; });
  run();
  const std::size_t batch = sys.config().batch;
  for (std::size_t i = 0; i < batch * 3; ++i) sys.send(busy, ping{i});
  sys.send(other, ping{0});
  run();
  auto o = std::find(order.begin(), order.end(), 'o');
  ASSERT_NE(o, order.end());
  EXPECT_LE(std::size_t(o - order.begin()), batch) << "the other process waited for more than one batch";
}

}  // namespace
}  // namespace troupe
