#include "troupe/node/sys.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "troupe/node/behaviour/agent.hpp"
#include "troupe/node/behaviour/gen_server.hpp"
#include "troupe/node/behaviour/gen_server_call.hpp"
#include "troupe/node/behaviour/gen_statem.hpp"
#include "troupe/node/behaviour/start_link.hpp"
#include "troupe/node/scoped_actor.hpp"
#include "tests/support/test_messages.hpp"

namespace sys_test {
/// The state an `account` server exposes.
struct account_state {
  std::string owner;
  std::int64_t balance = 0;
  MSGPACK_DEFINE(owner, balance);
  friend bool operator==(const account_state&, const account_state&) = default;
};
struct deposit {
  std::int64_t amount = 0;
  MSGPACK_DEFINE(amount);
};
struct get_balance {
  MSGPACK_DEFINE();
};
struct balance_is {
  std::int64_t amount = 0;
  MSGPACK_DEFINE(amount);
};
struct push_button {
  MSGPACK_DEFINE();
};
struct which_light {
  MSGPACK_DEFINE();
};
struct light_is {
  std::int32_t light = 0;
  std::int64_t presses = 0;
  MSGPACK_DEFINE(light, presses);
};
}  // namespace sys_test

TROUPE_MESSAGE(sys_test::deposit, "sys_test.deposit");
TROUPE_MESSAGE(sys_test::get_balance, "sys_test.get_balance");
TROUPE_MESSAGE(sys_test::balance_is, "sys_test.balance_is");
TROUPE_MESSAGE(sys_test::push_button, "sys_test.push_button");
TROUPE_MESSAGE(sys_test::which_light, "sys_test.which_light");
TROUPE_MESSAGE(sys_test::light_is, "sys_test.light_is");

namespace troupe {
namespace {

using namespace sys_test;
using namespace std::chrono_literals;
using test::ping;
using test::pong;

/// A gen_server that exposes its whole state to sys.
class account : public gen_server {
 public:
  explicit account(std::string owner) { state_.owner = std::move(owner); }

 protected:
  init_result init() override {
    expose_state(state_);
    return init_result::ok();
  }
  behavior make_handlers() override {
    return {
        [this](const deposit& d) { state_.balance += d.amount; },
        [this](const get_balance&) { return balance_is{state_.balance}; },
    };
  }

 private:
  account_state state_;
};

/// Answers each ping by sending a pong with the same number to whoever sent it (so a test sees
/// what it handled, in order), and answers pings sent as calls by returning the pong.
pid spawn_echo(actor_system& sys) {
  return sys.spawn([](actor& self) -> behavior {
    return {[&self](const ping& p) -> void {
      if (self.current_call())
        self.reply(self.current_call(), pong{p.n});
      else
        self.send(self.sender(), pong{p.n});
    }};
  });
}

/// A traffic light: a gen_statem whose state is an enum and whose data (presses) is exposed.
enum class light : std::int32_t { red, green };
class traffic_light final : public gen_statem<light> {
 public:
  traffic_light() {
    expose_state(presses_);
    in_state(light::red, [this](const push_button&) {
      ++presses_;
      return next_state(light::green);
    });
    in_state(light::green, [this](const push_button&) {
      ++presses_;
      return next_state(light::red);
    });
    in_any_state([this](const which_light&) { return light_is{static_cast<std::int32_t>(state()), presses_}; });
  }

 protected:
  result<statem_transition> init() override { return next_state(light::red); }

 private:
  std::int64_t presses_ = 0;
};

/// Traps exits and stops when its parent tells it to (as a gen_server under a supervisor does).
class trapping_child final : public actor {
 protected:
  behavior make_behavior() override {
    trap_exit(true);
    return {[this](const exit_msg& m) {
      if (m.from == parent()) stop(m.reason);
    }};
  }
};

std::vector<std::uint64_t> receive_pongs(scoped_actor& probe, std::size_t n) {
  std::vector<std::uint64_t> got;
  while (got.size() < n) {
    auto p = probe->receive<pong>(10s);
    if (!p) break;
    got.push_back(p->n);
  }
  return got;
}

class SysTest : public ::testing::Test {
 protected:
  actor_system sys{actor_system_config{.node_name = "sys", .threads = 2}};
};

// --- state --------------------------------------------------------------------------------------

TEST_F(SysTest, GetStateShowsAGenServersStateIncludingACastSentJustBefore) {
  auto a = start<account>(sys, std::string("ada"));
  ASSERT_TRUE(a) << a.error().message();
  cast(sys, *a, deposit{40});
  auto s = sys::get_state_as<account_state>(sys, *a);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(*s, (account_state{"ada", 40})) << "the request queues behind the cast, as in Erlang";
}

TEST_F(SysTest, ReplaceStateChangesWhatLaterCallsSee) {
  auto a = start<account>(sys, std::string("ada"));
  ASSERT_TRUE(a);
  auto after = sys::replace_state(sys, *a, account_state{"bob", 1000});
  ASSERT_TRUE(after) << after.error().message();
  EXPECT_EQ(after->as<account_state>().value(), (account_state{"bob", 1000}));
  cast(sys, *a, deposit{5});
  auto b = call<balance_is>(sys, *a, get_balance{});
  ASSERT_TRUE(b);
  EXPECT_EQ(b->amount, 1005);
}

TEST_F(SysTest, ReplacingAStateWithAValueOfTheWrongShapeFailsAndChangesNothing) {
  auto a = start<account>(sys, std::string("ada"));
  ASSERT_TRUE(a);
  auto r = sys::replace_state(sys, *a, std::string("not an account"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::codec);
  EXPECT_EQ(sys::get_state_as<account_state>(sys, *a).value(), (account_state{"ada", 0}));
  EXPECT_TRUE(sys.alive(*a)) << "a bad sys request never crashes the process";
}

TEST_F(SysTest, AProcessThatExposesNoStateAnswersNotFound) {
  pid e = spawn_echo(sys);
  auto r = sys::get_state(sys, e);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::not_found);
  EXPECT_NE(r.error().context().find("no inspectable state"), std::string::npos) << r.error().context();
}

TEST_F(SysTest, AFunctionActorCanExposeAValueOfItsClosure) {
  pid p = sys.spawn([n = std::int64_t{7}](actor& self) mutable -> behavior {
    self.expose_state(n);
    return {[&n](const ping& m) { n += static_cast<std::int64_t>(m.n); }};
  });
  sys.send(p, ping{3});
  EXPECT_EQ(sys::get_state_as<std::int64_t>(sys, p).value(), 10);
}

TEST_F(SysTest, AGenStatemShowsItsStateAndDataAndReplaceStateMovesIt) {
  pid fsm = sys.spawn<traffic_light>();
  cast(sys, fsm, push_button{});
  auto s = sys::get_state_as<std::pair<std::int32_t, std::int64_t>>(sys, fsm);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(*s, std::make_pair(std::int32_t{1}, std::int64_t{1})) << "green, pressed once";
  auto r = sys::replace_state(sys, fsm, std::make_pair(std::int32_t{0}, std::int64_t{41}));
  ASSERT_TRUE(r) << r.error().message();
  auto l = call<light_is>(sys, fsm, which_light{});
  ASSERT_TRUE(l);
  EXPECT_EQ(l->light, 0);
  EXPECT_EQ(l->presses, 41);
  cast(sys, fsm, push_button{});
  EXPECT_EQ(call<light_is>(sys, fsm, which_light{})->light, 1) << "the machine runs on from the replaced state";
}

TEST_F(SysTest, AnAgentWithASerialisableStateIsInspectable) {
  auto ag = agent<std::vector<std::string>>::start(sys, [] { return std::vector<std::string>{"a"}; });
  ASSERT_TRUE(ag);
  ASSERT_TRUE(ag->update(sys, [](std::vector<std::string>& v) { v.push_back("b"); }));
  EXPECT_EQ(sys::get_state_as<std::vector<std::string>>(sys, ag->id()).value(), (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(sys::replace_state(sys, ag->id(), std::vector<std::string>{"z"}));
  EXPECT_EQ(ag->get(sys, [](const std::vector<std::string>& v) { return v.size(); }).value(), 1u);
}

TEST_F(SysTest, ASysRequestToADeadProcessFailsWithNoproc) {
  pid e = spawn_echo(sys);
  sys.exit(e, exit_reason::kill());
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (sys.alive(e) && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  auto r = sys::statistics(sys, e);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::noproc);
}

// --- suspend / resume -------------------------------------------------------------------------------

TEST_F(SysTest, ASuspendedProcessQueuesMessagesAndHandlesThemInOrderAfterResume) {
  pid e = spawn_echo(sys);
  scoped_actor probe(sys);
  ASSERT_TRUE(sys::suspend(sys, e));
  for (std::uint64_t i = 1; i <= 100; ++i) probe->send(e, ping{i});
  // Answered while suspended, and queued behind the pings: by now it has taken them all.
  auto st = sys::statistics(sys, e);
  ASSERT_TRUE(st) << st.error().message();
  EXPECT_EQ(st->status, "suspended");
  EXPECT_EQ(st->messages_handled, 0u);
  EXPECT_EQ(st->mailbox_length, 100u);
  EXPECT_TRUE(sys.info(e)->suspended);
  EXPECT_FALSE(probe->receive<pong>(0ms)) << "nothing was handled while suspended";

  ASSERT_TRUE(sys::resume(sys, e));
  std::vector<std::uint64_t> want(100);
  for (std::uint64_t i = 0; i < 100; ++i) want[i] = i + 1;
  EXPECT_EQ(receive_pongs(probe, 100), want);
  EXPECT_FALSE(sys.info(e)->suspended);
}

TEST_F(SysTest, MessagesArrivingAfterResumeQueueBehindTheHeldOnes) {
  pid e = spawn_echo(sys);
  scoped_actor probe(sys);
  ASSERT_TRUE(sys::suspend(sys, e));
  for (std::uint64_t i = 1; i <= 3; ++i) probe->send(e, ping{i});
  ASSERT_TRUE(sys::resume(sys, e));
  probe->send(e, ping{4});
  EXPECT_EQ(receive_pongs(probe, 4), (std::vector<std::uint64_t>{1, 2, 3, 4}));
}

TEST_F(SysTest, ASuspendedProcessStillDiesOfAKill) {
  pid e = spawn_echo(sys);
  scoped_actor probe(sys);
  ref_id mon = probe->monitor(e);
  ASSERT_TRUE(sys::suspend(sys, e));
  probe->send(e, ping{1});
  sys.exit(e, exit_reason::kill());
  auto down = probe->receive<down_msg>(10s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->ref, mon);
  EXPECT_EQ(down->reason, exit_reason::kind::killed);
}

TEST_F(SysTest, ASuspendedProcessStillTakesAnExitFromItsParent) {
  // As OTP's sys: a suspended child that traps exits still obeys its parent (its supervisor's
  // shutdown), while an EXIT from anyone else waits with the other messages.
  scoped_actor probe(sys);
  pid report = probe.self();
  pid parent = sys.spawn([report](actor& self) -> behavior {
    pid child = self.spawn_link<trapping_child>();
    self.send(report, test::forward_to{child});
    return {[&self, child](const test::text&) { self.exit(child, exit_reason::shutdown()); }};
  });
  auto child = probe->receive<test::forward_to>(10s);
  ASSERT_TRUE(child);
  ref_id mon = probe->monitor(child->target);
  ASSERT_TRUE(sys::suspend(sys, child->target));
  probe->send(parent, test::text{"stop your child"});
  auto down = probe->receive<down_msg>(10s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->ref, mon);
  EXPECT_EQ(down->reason, exit_reason::kind::shutdown);
}

// --- statistics --------------------------------------------------------------------------------

TEST_F(SysTest, StatisticsCountTheMessagesReceivedHandledAndSent) {
  pid e = spawn_echo(sys);
  scoped_actor probe(sys);
  for (std::uint64_t i = 1; i <= 10; ++i) probe->send(e, ping{i});
  ASSERT_EQ(receive_pongs(probe, 10).size(), 10u);
  auto st = sys::statistics(sys, e);
  ASSERT_TRUE(st) << st.error().message();
  EXPECT_EQ(st->messages_received, 10u) << "sys requests are not counted";
  EXPECT_EQ(st->messages_handled, 10u);
  EXPECT_EQ(st->messages_sent, 10u);
  EXPECT_GE(st->turns, 1u);
  EXPECT_EQ(st->mailbox_length, 0u);
  EXPECT_GE(st->mailbox_high_water, 1u);
  EXPECT_EQ(st->status, "running");
  EXPECT_FALSE(st->tracing);
  EXPECT_LE(st->started_at_us, st->now_us);
  EXPECT_GT(st->started_at_us, 0);
}

TEST_F(SysTest, ProcessInfoReportsTheMailboxHighWaterMark) {
  pid e = spawn_echo(sys);
  scoped_actor probe(sys);
  ASSERT_TRUE(sys::suspend(sys, e));
  for (std::uint64_t i = 1; i <= 50; ++i) probe->send(e, ping{i});
  ASSERT_TRUE(sys::resume(sys, e));
  ASSERT_EQ(receive_pongs(probe, 50).size(), 50u);
  auto info = sys.info(e);
  ASSERT_TRUE(info);
  EXPECT_GE(info->mailbox_high_water, 50u);
}

// --- trace -----------------------------------------------------------------------------------------

TEST_F(SysTest, TheTraceRecordsExactlyTheMessagesReceivedAndSentWhileOnAndNothingWhenOff) {
  pid e = spawn_echo(sys);
  scoped_actor probe(sys);
  probe->send(e, ping{1});
  ASSERT_EQ(receive_pongs(probe, 1).size(), 1u);

  ASSERT_TRUE(sys::trace(sys, e, true));
  probe->send(e, ping{2});
  ASSERT_EQ(receive_pongs(probe, 1).size(), 1u);
  ASSERT_TRUE(call<pong>(sys, e, ping{3}));
  ASSERT_TRUE(sys::trace(sys, e, false));

  probe->send(e, ping{4});
  ASSERT_EQ(receive_pongs(probe, 1).size(), 1u);
  auto t = sys::get_trace(sys, e);
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_FALSE(t->enabled);
  EXPECT_EQ(t->dropped, 0u);
  ASSERT_EQ(t->events.size(), 4u);
  auto expect = [&](std::size_t i, const char* dir, const char* type, const char* kind, bool to_probe) {
    const auto& ev = t->events[i];
    EXPECT_EQ(ev.direction, dir) << i;
    EXPECT_EQ(ev.type, type) << i;
    EXPECT_EQ(ev.kind, kind) << i;
    if (to_probe) {
      EXPECT_EQ(ev.peer, probe.self()) << i;
    }
    EXPECT_GT(ev.time_us, 0) << i;
  };
  expect(0, "in", "test.ping", "message", true);
  expect(1, "out", "test.pong", "message", true);
  expect(2, "in", "test.ping", "call", false);
  expect(3, "out", "test.pong", "reply", false);
  EXPECT_EQ(t->events[2].peer, t->events[3].peer) << "the reply goes back to the caller";
  EXPECT_LE(t->events[0].time_us, t->events[3].time_us);
}

TEST_F(SysTest, TurningTheTraceOnAgainStartsItEmptyAndGetTraceCanClearIt) {
  pid e = spawn_echo(sys);
  scoped_actor probe(sys);
  ASSERT_TRUE(sys::trace(sys, e, true));
  probe->send(e, ping{1});
  ASSERT_EQ(receive_pongs(probe, 1).size(), 1u);
  auto first = sys::get_trace(sys, e, /*clear=*/true);
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->enabled);
  EXPECT_EQ(first->events.size(), 2u);
  EXPECT_TRUE(sys::get_trace(sys, e)->events.empty());
  probe->send(e, ping{2});
  ASSERT_EQ(receive_pongs(probe, 1).size(), 1u);
  ASSERT_TRUE(sys::trace(sys, e, true));
  EXPECT_TRUE(sys::get_trace(sys, e)->events.empty());
}

TEST_F(SysTest, TheTraceKeepsOnlyTheNewestEventsWithinItsCapacity) {
  pid e = spawn_echo(sys);
  scoped_actor probe(sys);
  ASSERT_TRUE(sys::trace(sys, e, true, {.capacity = 4}));
  for (std::uint64_t i = 1; i <= 5; ++i) probe->send(e, ping{i});
  ASSERT_EQ(receive_pongs(probe, 5).size(), 5u);
  auto t = sys::get_trace(sys, e);
  ASSERT_TRUE(t);
  ASSERT_EQ(t->events.size(), 4u);
  EXPECT_EQ(t->dropped, 6u);
  EXPECT_EQ(t->events.front().direction, "in");
  EXPECT_EQ(t->events.back().direction, "out");
  EXPECT_EQ(t->events.back().type, "test.pong");
}

TEST_F(SysTest, AGenStatemsRepliesAreTracedAsReplies) {
  pid fsm = sys.spawn<traffic_light>();
  ASSERT_TRUE(sys::trace(sys, fsm, true));
  ASSERT_TRUE(call<light_is>(sys, fsm, which_light{}));
  auto t = sys::get_trace(sys, fsm);
  ASSERT_TRUE(t);
  ASSERT_EQ(t->events.size(), 2u);
  EXPECT_EQ(t->events[0].type, "sys_test.which_light");
  EXPECT_EQ(t->events[1].type, "sys_test.light_is");
  EXPECT_EQ(t->events[1].kind, "reply");
}

// --- deterministic nodes ---------------------------------------------------------------------------

TEST(SysDeterministicTest, SysRequestsStepADeterministicNodeUntilTheyAreAnswered) {
  actor_system sys(actor_system_config{.node_name = "sys-det", .deterministic = true});
  pid p = sys.spawn([n = std::int64_t{3}](actor& self) mutable -> behavior {
    self.expose_state(n);
    return {[&n](const ping& m) { n += static_cast<std::int64_t>(m.n); }};
  });
  sys.send(p, ping{2});
  EXPECT_EQ(sys::get_state_as<std::int64_t>(sys, p).value(), 5);
  ASSERT_TRUE(sys::suspend(sys, p));
  sys.send(p, ping{1});
  EXPECT_EQ(sys::get_state_as<std::int64_t>(sys, p).value(), 5) << "held while suspended";
  EXPECT_EQ(sys::statistics(sys, p)->mailbox_length, 1u);
  ASSERT_TRUE(sys::resume(sys, p));
  EXPECT_EQ(sys::get_state_as<std::int64_t>(sys, p).value(), 6);
}

}  // namespace
}  // namespace troupe
