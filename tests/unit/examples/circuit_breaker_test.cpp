/// Example: a circuit breaker as a gen_server in front of a flaky backend.
///
/// closed ──(threshold failures in a row)──► open ──(cool-down timer)──► half-open
///   ▲                                        ▲                             │ one trial call
///   └──────────────(trial succeeds)──────────┴─────(trial fails)───────────┘
///
/// While open, calls are refused at once without touching the backend. The breaker never
/// blocks: it forwards each call with `request` and answers its own caller later with `reply`.

#include <gtest/gtest.h>

#include "troupe/node/behaviour/gen_server.hpp"
#include "troupe/node/behaviour/gen_server_call.hpp"
#include "troupe/node/behaviour/start_link.hpp"
#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/test_messages.hpp"

namespace breaker {
struct attempt {
  std::int64_t n = 0;
  MSGPACK_DEFINE(n);
};
enum class verdict : std::uint8_t { ok, failed, rejected };
struct outcome {
  verdict v = verdict::failed;
  std::int64_t value = 0;
};
struct backend_call {
  std::int64_t n = 0;
  MSGPACK_DEFINE(n);
};
struct backend_reply {
  bool ok = true;
  std::int64_t value = 0;
  MSGPACK_DEFINE(ok, value);
};
enum class backend_mode : std::uint8_t { healthy, failing, silent };
struct set_mode {
  backend_mode mode;
};
struct cool_down_over {};
struct get_state {};
struct state_is {
  std::string name;
};
}  // namespace breaker

TROUPE_MESSAGE(breaker::attempt, "example.breaker.attempt");
TROUPE_LOCAL_MESSAGE(breaker::outcome, "example.breaker.outcome");
TROUPE_MESSAGE(breaker::backend_call, "example.breaker.backend_call");
TROUPE_MESSAGE(breaker::backend_reply, "example.breaker.backend_reply");
TROUPE_LOCAL_MESSAGE(breaker::set_mode, "example.breaker.set_mode");
TROUPE_LOCAL_MESSAGE(breaker::cool_down_over, "example.breaker.cool_down_over");
TROUPE_LOCAL_MESSAGE(breaker::get_state, "example.breaker.get_state");
TROUPE_LOCAL_MESSAGE(breaker::state_is, "example.breaker.state_is");

namespace troupe {
namespace {

using namespace breaker;
using namespace std::chrono_literals;

/// The backend: doubles its input, fails, or never answers; counts the calls it saw.
class backend : public gen_server {
 public:
  explicit backend(int* calls) : calls_(calls) {}

 protected:
  behavior make_handlers() override {
    return {
        [this](const backend_call& c) {
          ++*calls_;
          if (mode_ == backend_mode::silent) return;
          reply(current_call(), backend_reply{mode_ == backend_mode::healthy, c.n * 2});
        },
        [this](const set_mode& m) { mode_ = m.mode; },
    };
  }

 private:
  int* calls_;
  backend_mode mode_ = backend_mode::healthy;
};

class circuit_breaker : public gen_server {
 public:
  circuit_breaker(pid backend, int threshold, duration cool_down, duration call_timeout)
      : backend_(backend), threshold_(threshold), cool_down_(cool_down), call_timeout_(call_timeout) {}

 protected:
  behavior make_handlers() override {
    return {
        [this](const attempt& g) { on_guarded(g, current_call()); },
        [this](const cool_down_over&) { state_ = state::half_open; },
        [this](const get_state&) { return state_is{name(state_)}; },
    };
  }

 private:
  enum class state { closed, open, half_open };
  static std::string name(state s) { return s == state::closed ? "closed" : s == state::open ? "open" : "half-open"; }

  void on_guarded(const attempt& g, reply_to caller) {
    if (state_ == state::open || (state_ == state::half_open && trial_in_flight_)) {
      reply(caller, outcome{verdict::rejected, 0});
      return;
    }
    trial_in_flight_ = state_ == state::half_open;
    request<backend_reply>(backend_, backend_call{g.n}, call_timeout_, [this, caller](result<backend_reply> r) {
      bool ok = r && r->ok;
      ok ? on_success() : on_failure();
      reply(caller, outcome{ok ? verdict::ok : verdict::failed, ok ? r->value : 0});
    });
  }
  void on_success() {
    failures_ = 0;
    trial_in_flight_ = false;
    state_ = state::closed;
  }
  void on_failure() {
    trial_in_flight_ = false;
    if (state_ == state::half_open || ++failures_ >= threshold_) trip();
  }
  void trip() {
    state_ = state::open;
    failures_ = 0;
    send_after(self(), cool_down_, cool_down_over{});
  }

  pid backend_;
  int threshold_;
  duration cool_down_;
  duration call_timeout_;
  state state_ = state::closed;
  int failures_ = 0;
  bool trial_in_flight_ = false;
};

class CircuitBreakerTest : public test::deterministic_fixture {
 protected:
  void TearDown() override { sys.shutdown(); }
  int backend_calls = 0;
  pid back, breaker_pid;
  std::vector<std::string> seen;

  void SetUp() override {
    back = *start<backend>(sys, &backend_calls);
    breaker_pid = *start<circuit_breaker>(sys, start_options::local("breaker"), back, 3, duration(10s), duration(1s));
  }
  verdict ask(std::int64_t n = 1) {
    auto r = call<outcome>(sys, via{&sys.local_names(), "breaker"}, attempt{n}, 1s);
    EXPECT_TRUE(r) << r.error().message();
    return r ? r->v : verdict::failed;
  }
  std::string state_now() { return call<state_is>(sys, via{&sys.local_names(), "breaker"}, get_state{}, 1s)->name; }
  void backend_is(backend_mode m) {
    sys.send(back, set_mode{m});
    run();
  }
  void trip() {
    backend_is(backend_mode::failing);
    for (int i = 0; i < 3; ++i) ask();
  }
};

TEST_F(CircuitBreakerTest, AClosedBreakerPassesCallsThrough) {
  auto r = call<outcome>(sys, via{&sys.local_names(), "breaker"}, attempt{21}, 1s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->v, verdict::ok);
  EXPECT_EQ(r->value, 42);
  EXPECT_EQ(state_now(), "closed");
}

TEST_F(CircuitBreakerTest, ItOpensAfterTheThresholdOfFailuresInARow) {
  backend_is(backend_mode::failing);
  EXPECT_EQ(ask(), verdict::failed);
  EXPECT_EQ(ask(), verdict::failed);
  EXPECT_EQ(state_now(), "closed");
  EXPECT_EQ(ask(), verdict::failed);
  EXPECT_EQ(state_now(), "open");
}

TEST_F(CircuitBreakerTest, ASuccessResetsTheFailureCount) {
  backend_is(backend_mode::failing);
  ask();
  ask();
  backend_is(backend_mode::healthy);
  ask();
  backend_is(backend_mode::failing);
  ask();
  ask();
  EXPECT_EQ(state_now(), "closed");
}

TEST_F(CircuitBreakerTest, AnOpenBreakerRefusesWithoutCallingTheBackend) {
  trip();
  int before = backend_calls;
  EXPECT_EQ(ask(), verdict::rejected);
  EXPECT_EQ(ask(), verdict::rejected);
  EXPECT_EQ(backend_calls, before);
}

TEST_F(CircuitBreakerTest, AfterTheCoolDownASuccessfulTrialClosesIt) {
  trip();
  backend_is(backend_mode::healthy);
  advance(9999ms);
  EXPECT_EQ(state_now(), "open");
  advance(1ms);
  EXPECT_EQ(state_now(), "half-open");
  EXPECT_EQ(ask(), verdict::ok);
  EXPECT_EQ(state_now(), "closed");
}

TEST_F(CircuitBreakerTest, AFailedTrialOpensItAgainForAnotherCoolDown) {
  trip();
  advance(10s);
  EXPECT_EQ(ask(), verdict::failed);
  EXPECT_EQ(state_now(), "open");
  EXPECT_EQ(ask(), verdict::rejected);
  advance(10s);
  EXPECT_EQ(state_now(), "half-open");
}

TEST_F(CircuitBreakerTest, OnlyOneTrialCallIsLetThroughWhileHalfOpen) {
  trip();
  backend_is(backend_mode::silent);
  advance(10s);
  // Two callers at once: the first is the trial (the backend never answers), the second is refused.
  for (int i = 0; i < 2; ++i)
    sys.spawn([this](actor& self) -> behavior {
      self.request<outcome>(breaker_pid, attempt{1}, 5s, [this](result<outcome> r) {
        seen.push_back(!r ? "error" : r->v == verdict::rejected ? "rejected" : r->v == verdict::ok ? "ok" : "failed");
      });
      return {};
    });
  run();
  EXPECT_EQ(seen, (std::vector<std::string>{"rejected"}));
  advance(1s);  // the trial's backend call times out: a failure
  EXPECT_EQ(seen, (std::vector<std::string>{"rejected", "failed"}));
  EXPECT_EQ(state_now(), "open");
}

TEST_F(CircuitBreakerTest, ABackendThatNeverAnswersCountsAsAFailure) {
  backend_is(backend_mode::silent);
  for (int i = 0; i < 3; ++i)
    sys.spawn([this](actor& self) -> behavior {
      self.request<outcome>(breaker_pid, attempt{1}, 5s, [this](result<outcome> r) {
        seen.push_back(r && r->v == verdict::failed ? "failed" : "other");
      });
      return {};
    });
  run();
  EXPECT_TRUE(seen.empty());
  advance(1s);
  EXPECT_EQ(seen, (std::vector<std::string>(3, "failed")));
  EXPECT_EQ(state_now(), "open");
}

}  // namespace
}  // namespace troupe
