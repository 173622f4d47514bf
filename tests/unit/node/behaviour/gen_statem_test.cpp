#include "troupe/node/behaviour/gen_statem.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "troupe/node/call.hpp"

#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe::statem_test {

/// Asks a machine for its current state.
struct which_state {
  MSGPACK_DEFINE();
};
struct state_is {
  std::string name;
  MSGPACK_DEFINE(name);
};
/// Asks a machine to move to another state.
struct go {
  std::string to;
  MSGPACK_DEFINE(to);
};

}  // namespace troupe::statem_test

TROUPE_MESSAGE(troupe::statem_test::which_state, "statem_test.which_state");
TROUPE_MESSAGE(troupe::statem_test::state_is, "statem_test.state_is");
TROUPE_MESSAGE(troupe::statem_test::go, "statem_test.go");

namespace troupe {
namespace {

using namespace std::chrono_literals;
using statem_test::go;
using statem_test::state_is;
using statem_test::which_state;
using test::ping;
using test::pong;
using test::text;
using log_t = std::vector<std::string>;

/// A machine whose states are strings and whose handlers each test writes inline. Every state
/// answers `which_state` and moves on `go`, unless the test's own handlers take those first.
class scripted final : public gen_statem<std::string> {
 public:
  using setup_fn = std::function<void(scripted&)>;
  using init_fn = std::function<result<statem_transition>(scripted&)>;

  scripted(setup_fn setup, init_fn init = {}, log_t* terminated = nullptr)
      : init_(std::move(init)), terminated_(terminated) {
    if (setup) setup(*this);
    in_any_state([this](const which_state&) { return state_is{state()}; },
                 [this](const go& g) { return next_state(g.to); });
  }

  using gen_statem::in_any_state;
  using gen_statem::in_state;
  using gen_statem::keep_state;
  using gen_statem::next_state;
  using gen_statem::on_enter;
  using gen_statem::repeat_state;
  using gen_statem::stop_machine;

 protected:
  result<statem_transition> init() override { return init_ ? init_(*this) : next_state("idle"); }
  void terminate(const exit_reason& reason) override {
    if (terminated_) terminated_->push_back(state() + ": " + reason.to_string());
  }

 private:
  init_fn init_;
  log_t* terminated_;
};

class GenStatemTest : public test::deterministic_fixture {
 protected:
  scoped_actor probe{sys};

  /// Sends `req` to `to` as a call from the probe (the blocking `call` cannot wait on a node that
  /// only runs when the test steps it).
  template <message Req>
  void send_call(const pid& to, Req req) {
    auto e = make_envelope<Req>(probe.self(), std::move(req));
    e->correlation = sys.make_ref();
    sys.deliver(to, std::move(e));
  }
  /// Calls and runs the node; the reply, if one came.
  template <message Resp, message Req>
  std::optional<Resp> call_now(const pid& to, Req req) {
    send_call(to, std::move(req));
    run();
    return probe->receive<Resp>(0s);
  }
  std::string state_of(const pid& m) {
    auto r = call_now<state_is>(m, which_state{});
    return r ? r->name : "<no reply>";
  }
  /// Monitors `p` from the probe; `exit_of` then reports how it ended.
  void watch(const pid& p) { probe->monitor(p); }
  std::optional<exit_reason> exit_of() {
    run();
    auto d = probe->receive<down_msg>(0s);
    if (!d) return std::nullopt;
    return d->reason;
  }
};

// --- states, calls, casts, info ------------------------------------------------------------------

TEST_F(GenStatemTest, TheInitialStateIsTheOneInitReturns) {
  pid m = sys.spawn<scripted>(scripted::setup_fn{}, [](scripted& s) -> result<statem_transition> {
    return s.next_state("ready");
  });
  EXPECT_EQ(state_of(m), "ready");
}

TEST_F(GenStatemTest, EachStateHandlesTheSameMessageWithItsOwnHandler) {
  log_t log;
  pid m = sys.spawn<scripted>([&log](scripted& s) {
    s.in_state("idle", [&log, &s](const text& t) {
      log.push_back("idle got " + t.value);
      return s.next_state("busy");
    });
    s.in_state("busy", [&log](const text& t) { log.push_back("busy got " + t.value); });
  });
  sys.send(m, text{"a"});
  sys.send(m, text{"b"});
  run();
  EXPECT_EQ(log, (log_t{"idle got a", "busy got b"}));
  EXPECT_EQ(state_of(m), "busy");
}

TEST_F(GenStatemTest, ACallIsAnsweredByTheMessageTheHandlerReturns) {
  pid m = sys.spawn<scripted>([](scripted& s) { s.in_state("idle", [](const ping& p) { return pong{p.n + 1}; }); });
  auto r = call_now<pong>(m, ping{41});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->n, 42u);
  EXPECT_EQ(state_of(m), "idle");
}

TEST_F(GenStatemTest, ACallIsAnsweredByAReplyActionAlongsideAStateChange) {
  pid m = sys.spawn<scripted>([](scripted& s) {
    s.in_state("idle", [&s](const ping& p, statem_event& ev) { return s.next_state("busy").reply(ev, pong{p.n}); });
  });
  auto r = call_now<pong>(m, ping{7});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->n, 7u);
  EXPECT_EQ(state_of(m), "busy");
}

TEST_F(GenStatemTest, ACallCanBeAnsweredLaterFromTheSavedReplyTo) {
  reply_to parked;
  pid m = sys.spawn<scripted>([&parked](scripted& s) {
    s.in_state("idle", [&parked, &s](const ping&, statem_event& ev) {
      parked = ev.from();
      return s.next_state("waiting");
    });
    s.in_state("waiting", [&parked, &s](const text&) {
      s.reply(parked, pong{5});
      return s.next_state("idle");
    });
  });
  send_call(m, ping{1});
  run();
  EXPECT_FALSE(probe->receive<pong>(0s)) << "no answer until the machine decides";
  sys.send(m, text{"answer now"});
  run();
  auto r = probe->receive<pong>(0s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->n, 5u);
}

TEST_F(GenStatemTest, APlainSendIsACastACallIsACallAndARuntimeNoticeIsInfo) {
  log_t types;
  pid m = sys.spawn<scripted>([&types](scripted& s) {
    s.in_state("idle", [&types](const ping&, statem_event& ev) { types.push_back(to_string(ev.type())); },
               [&types, &s](const test::forward_to& f, statem_event& ev) {
                 types.push_back(to_string(ev.type()));
                 s.monitor(f.target);
               },
               [&types](const down_msg&, statem_event& ev) { types.push_back(to_string(ev.type())); });
  });
  pid other = sys.spawn([](actor&) -> behavior { return {[](const text&) {}}; });
  send_call(m, ping{1});
  sys.send(m, test::forward_to{other});
  run();
  sys.exit(other, exit_reason::kill());
  run();
  EXPECT_EQ(types, (log_t{"call", "cast", "info"}));
}

TEST_F(GenStatemTest, AnEventNoStateHandlesIsCountedAsUnhandledAndDropped) {
  pid m = sys.spawn<scripted>([](scripted& s) { s.in_state("busy", [](const text&) {}); });
  run();
  auto before = sys.counters().unhandled.load();
  sys.send(m, text{"not in idle"});
  run();
  EXPECT_EQ(sys.counters().unhandled.load(), before + 1);
  EXPECT_EQ(state_of(m), "idle") << "the machine lives on";
}

TEST_F(GenStatemTest, AnyStateHandlersRunOnlyWhenTheStateHasNoHandlerForTheMessage) {
  log_t log;
  pid m = sys.spawn<scripted>([&log](scripted& s) {
    s.in_state("idle", [&log](const text&) { log.push_back("idle"); });
    s.in_any_state([&log](const text&) { log.push_back("any"); });
  });
  sys.send(m, text{"x"});
  sys.send(m, go{"busy"});
  sys.send(m, text{"y"});
  run();
  EXPECT_EQ(log, (log_t{"idle", "any"}));
}

TEST_F(GenStatemTest, ACatchAllHandlerTakesAnyMessageTypeLeftOver) {
  log_t log;
  pid m = sys.spawn<scripted>([&log](scripted& s) {
    s.in_state("idle", [&log](const text&) { log.push_back("text"); },
               [&log](const envelope& e) { log.push_back(std::string(e.type->name)); });
  });
  sys.send(m, text{"x"});
  sys.send(m, ping{1});
  run();
  EXPECT_EQ(log, (log_t{"text", "test.ping"}));
}

// --- postpone and next_event ---------------------------------------------------------------------

TEST_F(GenStatemTest, APostponedEventIsRetriedAfterTheNextStateChangeInArrivalOrder) {
  log_t log;
  pid m = sys.spawn<scripted>([&log](scripted& s) {
    s.in_state("closed", [&s](const text&) { return s.keep_state().postpone(); });
    s.in_state("open", [&log](const text& t) { log.push_back(t.value); });
  }, [](scripted& s) -> result<statem_transition> { return s.next_state("closed"); });
  sys.send(m, text{"1"});
  sys.send(m, text{"2"});
  sys.send(m, go{"open"});
  sys.send(m, text{"3"});
  run();
  EXPECT_EQ(log, (log_t{"1", "2", "3"}));
}

TEST_F(GenStatemTest, APostponedEventStaysPostponedWhileTheStateDoesNotChange) {
  log_t log;
  pid m = sys.spawn<scripted>([&log](scripted& s) {
    s.in_state("closed", [&s](const text&) { return s.keep_state().postpone(); },
               [&log, &s](const ping&) {
                 log.push_back("ping");
                 return s.next_state("closed");  // the same state: not a change
               });
    s.in_state("open", [&log](const text& t) { log.push_back(t.value); });
  }, [](scripted& s) -> result<statem_transition> { return s.next_state("closed"); });
  sys.send(m, text{"early"});
  sys.send(m, ping{});
  run();
  EXPECT_EQ(log, (log_t{"ping"}));
  sys.send(m, go{"open"});
  run();
  EXPECT_EQ(log, (log_t{"ping", "early"}));
}

TEST_F(GenStatemTest, APostponedCallIsAnsweredOnceTheStateChanges) {
  pid m = sys.spawn<scripted>([](scripted& s) {
    s.in_state("closed", [&s](const ping&) { return s.keep_state().postpone(); });
    s.in_state("open", [](const ping& p) { return pong{p.n * 10}; });
  }, [](scripted& s) -> result<statem_transition> { return s.next_state("closed"); });
  send_call(m, ping{4});
  run();
  EXPECT_FALSE(probe->receive<pong>(0s));
  sys.send(m, go{"open"});
  run();
  auto r = probe->receive<pong>(0s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->n, 40u);
}

TEST_F(GenStatemTest, PostponingWhileChangingStateRetriesTheEventInTheNewState) {
  log_t log;
  pid m = sys.spawn<scripted>([&log](scripted& s) {
    s.in_state("idle", [&log, &s](const text& t) {
      log.push_back("idle " + t.value);
      return s.next_state("busy").postpone();
    });
    s.in_state("busy", [&log](const text& t) { log.push_back("busy " + t.value); });
  });
  sys.send(m, text{"x"});
  run();
  EXPECT_EQ(log, (log_t{"idle x", "busy x"}));
}

TEST_F(GenStatemTest, NextEventIsHandledBeforeMessagesAlreadyInTheMailbox) {
  log_t log;
  pid m = sys.spawn<scripted>([&log](scripted& s) {
    s.in_state("idle", [&log, &s](const text& t, statem_event& ev) {
      log.push_back(t.value + (ev.is_internal() ? " (internal)" : ""));
      if (t.value == "first") return s.keep_state().next_event(text{"inserted"});
      return s.keep_state();
    });
  });
  sys.send(m, text{"first"});
  sys.send(m, text{"second"});
  run();
  EXPECT_EQ(log, (log_t{"first", "inserted (internal)", "second"}));
}

TEST_F(GenStatemTest, OneHandlerSetForEveryStateIsTheHandleEventFunctionMode) {
  // OTP callback_mode() -> handle_event_function: one handle_event(Type, Content, State, Data)
  // for every state. Here: handlers given only to in_any_state, deciding on state().
  log_t log;
  pid m = sys.spawn<scripted>([&log](scripted& s) {
    s.in_any_state([&s, &log](const text& t, statem_event& ev) {
      log.push_back(s.state() + ":" + std::string(to_string(ev.type())) + ":" + t.value);
      if (s.state() == "idle" && t.value == "open") return s.next_state("open");
      if (s.state() == "open" && t.value == "close") return s.next_state("idle");
      return s.keep_state();
    });
  });
  for (const char* t : {"close", "open", "open", "close"}) sys.send(m, text{t});
  run();
  EXPECT_EQ(log, (log_t{"idle:cast:close", "idle:cast:open", "open:cast:open", "open:cast:close"}));
  EXPECT_EQ(state_of(m), "idle");
}

// --- state timeouts ------------------------------------------------------------------------------

/// idle --text "arm"--> armed (state timeout 100ms: text "expired") --expired--> idle
void arm_on_text(scripted& s, log_t& log, duration after = 100ms) {
  s.in_state("idle", [&s, after](const text& t) {
    if (t.value == "arm") return s.next_state("armed").state_timeout(after, text{"expired"});
    return s.keep_state();
  });
  s.in_state("armed", [&s, &log](const text& t, statem_event& ev) {
    log.push_back(std::string(to_string(ev.type())) + " " + t.value);
    if (ev.is_state_timeout()) return s.next_state("idle");
    return s.keep_state();
  });
}

TEST_F(GenStatemTest, AStateTimeoutFiresAfterItsTimeAndNotBefore) {
  log_t log;
  pid m = sys.spawn<scripted>([&log](scripted& s) { arm_on_text(s, log); });
  sys.send(m, text{"arm"});
  run();
  advance(99ms);
  EXPECT_TRUE(log.empty());
  advance(1ms);
  EXPECT_EQ(log, (log_t{"state_timeout expired"}));
  EXPECT_EQ(state_of(m), "idle");
}

TEST_F(GenStatemTest, AStateTimeoutIsCancelledByAStateChange) {
  log_t log;
  pid m = sys.spawn<scripted>([&log](scripted& s) { arm_on_text(s, log); });
  sys.send(m, text{"arm"});
  sys.send(m, go{"elsewhere"});
  run();
  advance(1s);
  EXPECT_TRUE(log.empty());
  EXPECT_EQ(state_of(m), "elsewhere");
  EXPECT_EQ(sys.counters().unhandled.load(), 0u) << "the cancelled timeout never arrives";
}

TEST_F(GenStatemTest, AStateTimeoutKeepsRunningOnANextStateToTheSameState) {
  log_t log;
  pid m = sys.spawn<scripted>([&log](scripted& s) { arm_on_text(s, log); });
  sys.send(m, text{"arm"});
  run();
  advance(50ms);
  sys.send(m, go{"armed"});
  run();
  advance(50ms);
  EXPECT_EQ(log, (log_t{"state_timeout expired"}));
}

TEST_F(GenStatemTest, AStateTimeoutCanBeCancelledWithoutAStateChange) {
  log_t log;
  pid m = sys.spawn<scripted>([&log](scripted& s) {
    arm_on_text(s, log);
    s.in_state("armed", [&s](const ping&) { return s.keep_state().cancel_state_timeout(); });
  });
  sys.send(m, text{"arm"});
  sys.send(m, ping{});
  run();
  advance(1s);
  EXPECT_TRUE(log.empty());
  EXPECT_EQ(state_of(m), "armed");
}

TEST_F(GenStatemTest, SettingAStateTimeoutAgainRestartsIt) {
  log_t log;
  pid m = sys.spawn<scripted>([&log](scripted& s) {
    arm_on_text(s, log);
    s.in_state("armed", [&s](const ping&) { return s.keep_state().state_timeout(100ms, text{"expired again"}); });
  });
  sys.send(m, text{"arm"});
  run();
  advance(60ms);
  sys.send(m, ping{});
  run();
  advance(60ms);
  EXPECT_TRUE(log.empty()) << "the first start was replaced";
  advance(40ms);
  EXPECT_EQ(log, (log_t{"state_timeout expired again"}));
}

TEST_F(GenStatemTest, AZeroStateTimeoutIsHandledBeforeTheNextMessage) {
  log_t log;
  pid m = sys.spawn<scripted>([&log](scripted& s) {
    s.in_state("idle", [&s, &log](const text& t) {
      log.push_back(t.value);
      if (t.value == "arm") return s.keep_state().state_timeout(0ms, text{"zero"});
      return s.keep_state();
    });
  });
  sys.send(m, text{"arm"});
  sys.send(m, text{"later"});
  run();
  EXPECT_EQ(log, (log_t{"arm", "zero", "later"}));
}

// --- named (generic) timeouts --------------------------------------------------------------------

void named_timer_machine(scripted& s, log_t& log) {
  s.in_any_state(
      [&s](const ping& p) { return s.keep_state().timeout("t" + std::to_string(p.n), 100ms, text{"t" + std::to_string(p.n)}); },
      [&s](const pong& p) { return s.keep_state().cancel_timeout("t" + std::to_string(p.n)); },
      [&s, &log](const text&, statem_event& ev) {
        log.push_back(std::string(to_string(ev.type())) + " " + std::string(ev.timeout_name()) + " in " + s.state());
      });
}

TEST_F(GenStatemTest, UpdatingARunningStateTimeoutChangesItsContentButNotItsExpiry) {
  // OTP {state_timeout, update, Content}: the running timeout keeps its time, with new content.
  log_t log;
  pid m = sys.spawn<scripted>([&log](scripted& s) {
    arm_on_text(s, log);
    s.in_state("armed", [&s](const ping&) { return s.keep_state().update_state_timeout(text{"updated"}); });
  });
  sys.send(m, text{"arm"});
  run();
  advance(60ms);
  sys.send(m, ping{});
  run();
  advance(39ms);
  EXPECT_TRUE(log.empty());
  advance(1ms);
  EXPECT_EQ(log, (log_t{"state_timeout updated"}));
}

TEST_F(GenStatemTest, UpdatingAStateTimeoutThatIsNotRunningInsertsItsEventAtOnce) {
  // OTP: with no such timeout running, the event is inserted as for a zero timeout.
  log_t log;
  pid m = sys.spawn<scripted>([&log](scripted& s) {
    s.in_state("idle", [&s, &log](const text& t, statem_event& ev) {
      log.push_back(std::string(to_string(ev.type())) + " " + t.value);
      if (t.value == "poke") return s.keep_state().update_state_timeout(text{"now"});
      return s.keep_state();
    });
  });
  sys.send(m, text{"poke"});
  sys.send(m, text{"later"});
  run();
  EXPECT_EQ(log, (log_t{"cast poke", "state_timeout now", "cast later"}));
}

TEST_F(GenStatemTest, UpdatingANamedTimeoutKeepsItsExpiry) {
  // OTP {{timeout, Name}, update, Content}: the same rule for a named timeout.
  log_t log;
  pid m = sys.spawn<scripted>([&log](scripted& s) {
    named_timer_machine(s, log);
    s.in_any_state([&s](const go&) { return s.keep_state().update_timeout("t1", text{"t1"}); });
  });
  sys.send(m, ping{1});
  run();
  advance(50ms);
  sys.send(m, go{"x"});
  run();
  advance(49ms);
  EXPECT_TRUE(log.empty());
  advance(1ms);
  EXPECT_EQ(log, (log_t{"named_timeout t1 in idle"}));
}

TEST_F(GenStatemTest, ANamedTimeoutSurvivesStateChanges) {
  log_t log;
  pid m = sys.spawn<scripted>([&log](scripted& s) { named_timer_machine(s, log); });
  sys.send(m, ping{1});
  sys.send(m, go{"a"});
  sys.send(m, go{"b"});
  run();
  advance(100ms);
  EXPECT_EQ(log, (log_t{"named_timeout t1 in b"}));
}

TEST_F(GenStatemTest, SettingANamedTimeoutAgainRestartsIt) {
  log_t log;
  pid m = sys.spawn<scripted>([&log](scripted& s) { named_timer_machine(s, log); });
  sys.send(m, ping{1});
  run();
  advance(70ms);
  sys.send(m, ping{1});
  run();
  advance(70ms);
  EXPECT_TRUE(log.empty());
  advance(30ms);
  EXPECT_EQ(log, (log_t{"named_timeout t1 in idle"}));
}

TEST_F(GenStatemTest, ANamedTimeoutCanBeCancelledAndOthersKeepRunning) {
  log_t log;
  pid m = sys.spawn<scripted>([&log](scripted& s) { named_timer_machine(s, log); });
  sys.send(m, ping{1});
  sys.send(m, ping{2});
  sys.send(m, pong{1});
  run();
  advance(1s);
  EXPECT_EQ(log, (log_t{"named_timeout t2 in idle"}));
}

// --- event timeouts ------------------------------------------------------------------------------

/// Every `ping` (re)starts a 100ms event timeout; every event is logged.
void event_timer_machine(scripted& s, log_t& log) {
  s.in_state("idle",
             [&s, &log](const ping&) {
               log.push_back("ping");
               return s.keep_state().event_timeout(100ms, text{"quiet"});
             },
             [&log](const text& t, statem_event& ev) { log.push_back(std::string(to_string(ev.type())) + " " + t.value); });
}

TEST_F(GenStatemTest, AnEventTimeoutFiresWhenNoEventArrivesInTime) {
  log_t log;
  pid m = sys.spawn<scripted>([&log](scripted& s) { event_timer_machine(s, log); });
  sys.send(m, ping{});
  run();
  advance(99ms);
  EXPECT_EQ(log, (log_t{"ping"}));
  advance(1ms);
  EXPECT_EQ(log, (log_t{"ping", "event_timeout quiet"}));
}

TEST_F(GenStatemTest, AnEventTimeoutIsCancelledByAnyEvent) {
  log_t log;
  pid m = sys.spawn<scripted>([&log](scripted& s) { event_timer_machine(s, log); });
  sys.send(m, ping{});
  run();
  advance(50ms);
  sys.send(m, text{"anything"});
  run();
  advance(1s);
  EXPECT_EQ(log, (log_t{"ping", "cast anything"}));
}

// --- state enter calls ---------------------------------------------------------------------------

TEST_F(GenStatemTest, TheEnterHandlerRunsOnEachStateChangeWithTheOldState) {
  log_t log;
  pid m = sys.spawn<scripted>([&log](scripted& s) {
    s.on_enter("a", [&log](const std::string& old) { log.push_back(old + "->a"); });
    s.on_enter("b", [&log](const std::string& old) { log.push_back(old + "->b"); });
  });
  sys.send(m, go{"a"});
  sys.send(m, go{"b"});
  sys.send(m, go{"a"});
  run();
  EXPECT_EQ(log, (log_t{"idle->a", "a->b", "b->a"}));
}

TEST_F(GenStatemTest, TheEnterHandlerRunsForTheInitialStateWithItselfAsTheOldState) {
  log_t log;
  sys.spawn<scripted>([&log](scripted& s) { s.on_enter("idle", [&log](const std::string& old) { log.push_back(old + "->idle"); }); });
  run();
  EXPECT_EQ(log, (log_t{"idle->idle"}));
}

TEST_F(GenStatemTest, TheEnterHandlerDoesNotRunWhenTheStateStaysTheSame) {
  int entered = 0;
  pid m = sys.spawn<scripted>([&entered](scripted& s) { s.on_enter("a", [&entered](const std::string&) { ++entered; }); });
  sys.send(m, go{"a"});
  sys.send(m, go{"a"});
  run();
  EXPECT_EQ(entered, 1);
}

TEST_F(GenStatemTest, RepeatStateRunsTheEnterHandlerAgain) {
  int entered = 0;
  pid m = sys.spawn<scripted>([&entered](scripted& s) {
    s.on_enter("idle", [&entered](const std::string&) { ++entered; });
    s.in_state("idle", [&s](const ping&) { return s.repeat_state(); });
  });
  sys.send(m, ping{});
  run();
  EXPECT_EQ(entered, 2) << "once for the initial state, once for repeat_state";
}

TEST_F(GenStatemTest, AnEnterHandlerCanStartAStateTimeout) {
  log_t log;
  pid m = sys.spawn<scripted>([&log](scripted& s) {
    s.on_enter("armed", [&s](const std::string&) { return s.keep_state().state_timeout(100ms, text{"from enter"}); });
    s.in_state("armed", [&s, &log](const text& t) {
      log.push_back(t.value);
      return s.next_state("idle");
    });
  });
  sys.send(m, go{"armed"});
  run();
  advance(100ms);
  EXPECT_EQ(log, (log_t{"from enter"}));
  EXPECT_EQ(state_of(m), "idle");
}

TEST_F(GenStatemTest, AnEnterHandlerThatChangesStateCrashesTheMachine) {
  log_t terminated;
  pid m = sys.spawn<scripted>(
      [](scripted& s) { s.on_enter("a", [&s](const std::string&) { return s.next_state("b"); }); }, scripted::init_fn{},
      &terminated);
  watch(m);
  sys.send(m, go{"a"});
  auto reason = exit_of();
  ASSERT_TRUE(reason);
  EXPECT_EQ(reason->what(), exit_reason::kind::error);
  EXPECT_NE(reason->detail().find("enter handler cannot change the state"), std::string::npos) << reason->detail();
  ASSERT_EQ(terminated.size(), 1u);
}

// --- init, stop, terminate -----------------------------------------------------------------------

TEST_F(GenStatemTest, InitActionsStartTimeoutsInTheInitialState) {
  log_t log;
  sys.spawn<scripted>(
      [&log](scripted& s) { s.in_state("waiting", [&log](const text& t) { log.push_back(t.value); }); },
      [](scripted& s) -> result<statem_transition> { return s.next_state("waiting").state_timeout(1s, text{"too slow"}); });
  run();
  advance(999ms);
  EXPECT_TRUE(log.empty());
  advance(1ms);
  EXPECT_EQ(log, (log_t{"too slow"}));
}

TEST_F(GenStatemTest, AFailedInitEndsTheProcessWithTheErrorAndSkipsTerminate) {
  log_t terminated;
  pid m = sys.spawn<scripted>(
      scripted::setup_fn{},
      [](scripted&) -> result<statem_transition> { return fail(errc::invalid_argument, "no card token"); }, &terminated);
  watch(m);
  auto reason = exit_of();
  ASSERT_TRUE(reason);
  EXPECT_EQ(reason->what(), exit_reason::kind::error);
  EXPECT_NE(reason->detail().find("init failed"), std::string::npos) << reason->detail();
  EXPECT_NE(reason->detail().find("no card token"), std::string::npos) << reason->detail();
  EXPECT_TRUE(terminated.empty());
}

TEST_F(GenStatemTest, InitReturningStopEndsTheProcessWithThatReason) {
  pid m = sys.spawn<scripted>(scripted::setup_fn{},
                              [](scripted& s) -> result<statem_transition> { return s.stop_machine(exit_reason::shutdown("not today")); });
  watch(m);
  auto reason = exit_of();
  ASSERT_TRUE(reason);
  EXPECT_EQ(*reason, exit_reason::shutdown("not today"));
}

TEST_F(GenStatemTest, AStopTransitionSendsItsRepliesThenEndsTheProcessAndRunsTerminate) {
  log_t terminated;
  pid m = sys.spawn<scripted>(
      [](scripted& s) {
        s.in_state("idle", [&s](const ping& p, statem_event& ev) {
          return s.stop_machine(exit_reason::shutdown("done")).reply(ev, pong{p.n});
        });
      },
      scripted::init_fn{}, &terminated);
  watch(m);
  send_call(m, ping{3});
  sys.send(m, text{"never handled"});
  auto reason = exit_of();
  auto r = probe->receive<pong>(0s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->n, 3u);
  ASSERT_TRUE(reason);
  EXPECT_EQ(*reason, exit_reason::shutdown("done"));
  EXPECT_EQ(terminated, (log_t{"idle: shutdown: done"}));
}

TEST_F(GenStatemTest, AnExceptionInAHandlerCrashesTheMachineAndTerminateSeesTheError) {
  log_t terminated;
  pid m = sys.spawn<scripted>(
      [](scripted& s) { s.in_state("idle", [](const text& t) { throw std::runtime_error(t.value); }); },
      scripted::init_fn{}, &terminated);
  watch(m);
  sys.send(m, text{"boom"});
  auto reason = exit_of();
  ASSERT_TRUE(reason);
  EXPECT_EQ(*reason, exit_reason::error("boom"));
  EXPECT_EQ(terminated, (log_t{"idle: error: boom"}));
}

TEST_F(GenStatemTest, NoTimeoutFiresAfterTheMachineHasStopped) {
  pid m = sys.spawn<scripted>([](scripted& s) {
    s.in_state("idle", [&s](const ping&) {
      return s.keep_state().timeout("later", 100ms, text{"t"}).state_timeout(100ms, text{"s"});
    });
    s.in_state("idle", [&s](const text&) { return s.stop_machine(); });
  });
  watch(m);
  sys.send(m, ping{});
  sys.send(m, text{"stop"});
  ASSERT_TRUE(exit_of());
  auto dead = sys.counters().dead_letters.load();
  advance(1s);
  EXPECT_EQ(sys.counters().dead_letters.load(), dead) << "the machine's timers were cancelled";
}

TEST_F(GenStatemTest, PostponedEventsStillQueuedWhenTheMachineStopsAreReleased) {
  // Run under ASan: the postponed envelopes are owned by the machine and freed with it.
  pid m = sys.spawn<scripted>([](scripted& s) {
    s.in_state("idle", [&s](const text&) { return s.keep_state().postpone(); },
               [&s](const ping&) { return s.stop_machine(); });
  });
  watch(m);
  sys.send(m, text{"a"});
  sys.send(m, text{"b"});
  send_call(m, ping{});
  ASSERT_TRUE(exit_of());
  EXPECT_FALSE(sys.alive(m));
}

// --- on a real, multi-threaded node ----------------------------------------------------------------

TEST(GenStatemThreadedTest, BlockingCallsFromAPlainThreadReachTheCurrentStatesHandler) {
  actor_system sys(actor_system_config{.node_name = "statem", .threads = 2});
  pid m = sys.spawn<scripted>([](scripted& s) {
    s.in_state("idle", [&s](const ping& p, statem_event& ev) { return s.next_state("busy").reply(ev, pong{p.n}); });
    s.in_state("busy", [](const ping& p) { return pong{p.n * 100}; });
  });
  auto a = call<pong>(sys, m, ping{1}, 10s);
  auto b = call<pong>(sys, m, ping{2}, 10s);
  ASSERT_TRUE(a) << a.error().message();
  ASSERT_TRUE(b) << b.error().message();
  EXPECT_EQ(a->n, 1u);
  EXPECT_EQ(b->n, 200u);
}

TEST(GenStatemThreadedTest, EventsPostponedFromManySendersAreRetriedInEachSendersOrder) {
  actor_system sys(actor_system_config{.node_name = "statem", .threads = 2});
  constexpr int senders = 4, per_sender = 200;
  std::vector<std::vector<std::uint64_t>> seen(senders);
  pid m = sys.spawn<scripted>([&seen](scripted& s) {
    s.in_state("closed", [&s](const ping&) { return s.keep_state().postpone(); });
    s.in_state("open", [&seen](const ping& p) { seen[p.n / per_sender].push_back(p.n % per_sender); },
               [](const which_state&) { return state_is{"open"}; });
  }, [](scripted& s) -> result<statem_transition> { return s.next_state("closed"); });
  std::vector<std::thread> threads;
  for (int t = 0; t < senders; ++t)
    threads.emplace_back([&sys, m, t] {
      for (int i = 0; i < per_sender; ++i) sys.send(m, ping{std::uint64_t(t * per_sender + i)});
    });
  for (auto& t : threads) t.join();
  sys.send(m, go{"open"});
  // The call is handled after everything sent before it, postponed events included.
  ASSERT_TRUE(call<state_is>(sys, m, which_state{}, 10s));
  for (int t = 0; t < senders; ++t) {
    ASSERT_EQ(seen[t].size(), std::size_t(per_sender)) << "sender " << t;
    for (int i = 0; i < per_sender; ++i) EXPECT_EQ(seen[t][i], std::uint64_t(i));
  }
}

}  // namespace
}  // namespace troupe
