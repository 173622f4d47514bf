// gen_statem started by name and synchronously (troupe::start / start_link), and absolute
// timeouts (OTP's {abs, true} timeout option).
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "troupe/node/behaviour/gen_statem.hpp"
#include "troupe/node/behaviour/start_link.hpp"

#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using namespace std::chrono_literals;
using test::ping;
using test::text;
using log_t = std::vector<std::string>;

/// A machine whose init each test chooses; it logs its timeouts. Not final: start<T> spawns a
/// host derived from it.
class machine : public gen_statem<std::string> {
 public:
  using init_fn = std::function<result<statem_transition>(machine&)>;
  explicit machine(init_fn init, log_t* log = nullptr, int* inits = nullptr) : init_(std::move(init)), log_(log), inits_(inits) {
    in_any_state([this](const text& t, statem_event& ev) {
      if (log_) log_->push_back(std::string(to_string(ev.type())) + " " + t.value);
    });
  }
  using gen_statem::keep_state;
  using gen_statem::next_state;
  using gen_statem::stop_machine;
  using gen_statem::in_state;

 protected:
  result<statem_transition> init() override {
    if (inits_) ++*inits_;
    return init_(*this);
  }

 private:
  init_fn init_;
  log_t* log_;
  int* inits_;
};

result<statem_transition> start_idle(machine& m) { return m.next_state("idle"); }

class GenStatemStartTest : public test::deterministic_fixture {
 protected:
  time_point now() const { return sys.clock().now(); }
};

TEST_F(GenStatemStartTest, StartWithALocalNameRegistersTheMachineAndReturnsItsPid) {
  // gen_statem:start_link({local, Name}, ...): "the gen_statem is registered locally as Name";
  // the call returns {ok, Pid} once init has returned.
  auto p = start<machine>(sys, start_options::local("door"), machine::init_fn(start_idle));
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(sys.whereis("door"), *p);
}

TEST_F(GenStatemStartTest, AnInitErrorIsReturnedToTheStarter) {
  // gen_statem:start_link: "If Module:init/1 fails with Reason, ... this function returns
  // {error, Reason}".
  auto p = start<machine>(sys, start_options::local("door"), machine::init_fn([](machine&) -> result<statem_transition> {
    return fail(errc::invalid_argument, "no hinges");
  }));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), errc::init_failed);
  EXPECT_NE(p.error().message().find("no hinges"), std::string::npos) << p.error().message();
  run();
  EXPECT_FALSE(sys.whereis("door")) << "the name goes with the process";
}

TEST_F(GenStatemStartTest, InitReturningStopIsReturnedToTheStarterWithItsReason) {
  // gen_statem:start_link: "If Module:init/1 returns {stop, Reason} ... this function returns
  // {error, Reason}".
  auto p = start<machine>(sys, machine::init_fn([](machine& m) -> result<statem_transition> {
    return m.stop_machine(exit_reason::shutdown("not today"));
  }));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), errc::init_failed);
  EXPECT_NE(p.error().message().find("not today"), std::string::npos) << p.error().message();
}

TEST_F(GenStatemStartTest, AnExceptionInInitIsReturnedToTheStarter) {
  // A crash in init fails the start the same way ({error, Reason}), and terminate does not run.
  auto p = start<machine>(sys, machine::init_fn([](machine&) -> result<statem_transition> {
    throw std::runtime_error("init blew up");
  }));
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message().find("init blew up"), std::string::npos) << p.error().message();
}

TEST_F(GenStatemStartTest, ATakenNameFailsTheStartWithoutRunningInit) {
  // gen_statem:start_link: "If a process with the specified ServerName exists already, this
  // function returns {error, {already_started, Pid}}".
  auto first = start<machine>(sys, start_options::local("door"), machine::init_fn(start_idle));
  ASSERT_TRUE(first);
  int inits = 0;
  auto second = start<machine>(sys, start_options::local("door"), machine::init_fn(start_idle), nullptr, &inits);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code(), errc::name_taken);
  EXPECT_EQ(inits, 0);
  EXPECT_EQ(sys.whereis("door"), *first);
}

TEST_F(GenStatemStartTest, AViaNameIsReleasedWhenTheMachineEnds) {
  // {via, Module, Name}: registered through the name service, unregistered when it terminates.
  auto p = start<machine>(sys, start_options::named(via{&sys.local_names(), "via-door"}), machine::init_fn(start_idle));
  ASSERT_TRUE(p);
  EXPECT_EQ(sys.local_names().whereis("via-door"), *p);
  sys.exit(*p, exit_reason::shutdown());
  run();
  EXPECT_FALSE(sys.local_names().whereis("via-door"));
}

TEST_F(GenStatemStartTest, StartLinkFromAProcessAcknowledgesOnceInitHasRun) {
  // gen_statem:start_link from a process: linked at once; proc_lib's init_ack tells the
  // starter how init went (here a started_msg, never blocking the starter's scheduler thread).
  scoped_actor starter(sys);
  start_ticket t = start_link<machine>(*starter.operator->(), start_options::local("door"), machine::init_fn(start_idle));
  run();
  auto ack = starter->receive<started_msg>(0s);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->ref, t.ack);
  auto r = ack->to_result();
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, t.child);
  EXPECT_EQ(sys.info(t.child)->links, std::vector<pid>{starter.self()});
}

// --- absolute timeouts ---------------------------------------------------------------------------

TEST_F(GenStatemStartTest, AnAbsoluteStateTimeoutFiresAtItsTimePoint) {
  // OTP {state_timeout, Time, Content, [{abs, true}]}: Time is an absolute time (erlang:monotonic_time
  // in OTP, the node's clock here); the timeout fires then, unless the state changes first.
  log_t log;
  time_point at = now() + 250ms;
  auto p = start<machine>(sys, machine::init_fn([at](machine& m) -> result<statem_transition> {
    return m.next_state("idle").state_timeout_at(at, text{"due"});
  }), &log);
  ASSERT_TRUE(p);
  advance(249ms);
  EXPECT_TRUE(log.empty());
  advance(1ms);
  EXPECT_EQ(log, (log_t{"state_timeout due"}));
}

TEST_F(GenStatemStartTest, AnAbsoluteTimeAlreadyPastFiresAtOnce) {
  // erlang:start_timer with {abs, true}: a time already passed expires immediately.
  log_t log;
  time_point at = now() - 1s;
  auto p = start<machine>(sys, machine::init_fn([at](machine& m) -> result<statem_transition> {
    return m.next_state("idle").timeout_at("late", at, text{"late"});
  }), &log);
  ASSERT_TRUE(p);
  advance(0ms);
  EXPECT_EQ(log, (log_t{"named_timeout late"}));
}

TEST_F(GenStatemStartTest, AnAbsoluteEventTimeoutIsStillCancelledByAnyEvent) {
  // OTP: an event timeout, absolute or not, is cancelled by any event that arrives before it.
  log_t log;
  time_point at = now() + 100ms;
  auto p = start<machine>(sys, machine::init_fn([at](machine& m) -> result<statem_transition> {
    return m.next_state("idle").event_timeout_at(at, text{"quiet"});
  }), &log);
  ASSERT_TRUE(p);
  sys.send(*p, text{"mail"});
  run();
  advance(1s);
  EXPECT_EQ(log, (log_t{"cast mail"}));
}

TEST_F(GenStatemStartTest, AnAbsoluteNamedTimeoutSurvivesStateChangesAndIsRestartedBySettingItAgain) {
  // OTP {{timeout, Name}, Time, Content, [{abs, true}]}: a generic timeout, kept across state
  // changes; setting it again restarts it with the new time.
  log_t log;
  time_point first = now() + 100ms, second = now() + 300ms;
  auto q = start<machine>(sys, machine::init_fn([first, second](machine& mm) -> result<statem_transition> {
    mm.in_state("idle", [&mm, second](const ping&) { return mm.next_state("busy").timeout_at("t", second, text{"t"}); });
    return mm.next_state("idle").timeout_at("t", first, text{"early"});
  }), &log);
  ASSERT_TRUE(q);
  sys.send(*q, ping{});
  run();
  advance(299ms);
  EXPECT_TRUE(log.empty()) << log.front();
  advance(1ms);
  EXPECT_EQ(log, (log_t{"named_timeout t"}));
}

}  // namespace
}  // namespace troupe
