/// The payment workflow of the OTP behaviours guide, as a `gen_statem`:
///
///   pending --authorize--> authorized --capture--> captured --refund--> refunded
///      |                        \--refund (void)---------------------> refunded
///      \--no authorization within 30s (state timeout)--> expired
///
/// Events that make no sense in a state get an error reply, never a crash; the terminal states
/// answer everything with `terminal_state`. A capture that arrives while the payment is still
/// pending is postponed: it is carried out as soon as the payment is authorized.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <thread>

#include "troupe/node/behaviour/gen_statem.hpp"
#include "troupe/node/call.hpp"
#include "tests/support/deterministic_fixture.hpp"

namespace payments {

struct authorize {
  std::string card_token;
  MSGPACK_DEFINE(card_token);
};
struct capture {
  MSGPACK_DEFINE();
};
struct refund {
  std::int64_t amount = 0;
  MSGPACK_DEFINE(amount);
};
struct status {
  MSGPACK_DEFINE();
};
/// The answer to every request: empty `error` means ok.
struct outcome {
  std::string error;
  std::string state;
  MSGPACK_DEFINE(error, state);
};
/// The state timeout's content: authorization did not come in time.
struct authorization_expired {
  MSGPACK_DEFINE();
};

}  // namespace payments

TROUPE_MESSAGE(payments::authorize, "payments.authorize");
TROUPE_MESSAGE(payments::capture, "payments.capture");
TROUPE_MESSAGE(payments::refund, "payments.refund");
TROUPE_MESSAGE(payments::status, "payments.status");
TROUPE_MESSAGE(payments::outcome, "payments.outcome");
TROUPE_MESSAGE(payments::authorization_expired, "payments.authorization_expired");

namespace payments {

enum class payment_state { pending, authorized, captured, refunded, expired };

inline const char* name_of(payment_state s) {
  switch (s) {
    case payment_state::pending: return "pending";
    case payment_state::authorized: return "authorized";
    case payment_state::captured: return "captured";
    case payment_state::refunded: return "refunded";
    case payment_state::expired: return "expired";
  }
  return "?";
}

/// The card gateway, faked: tokens starting with "ok" authorize.
inline bool gateway_authorizes(const std::string& token) { return token.rfind("ok", 0) == 0; }

class payment final : public troupe::gen_statem<payment_state> {
 public:
  static constexpr troupe::duration authorization_window = std::chrono::seconds(30);

  payment(std::string id, std::int64_t amount) : id_(std::move(id)), amount_(amount) {
    using S = payment_state;
    in_state(S::pending,
             [this](const authorize& a, troupe::statem_event& ev) { return on_authorize(a, ev); },
             [this](const capture&) { return keep_state().postpone(); },  // too early: retry once authorized
             [this](const authorization_expired&) { return next_state(S::expired); });
    in_state(S::authorized,
             [this](const capture&, troupe::statem_event& ev) {
               captured_ = authorized_;
               return next_state(S::captured).reply(ev, answer({}, S::captured));
             },
             [this](const refund& r, troupe::statem_event& ev) { return on_refund(r, ev, authorized_); });
    in_state(S::captured, [this](const refund& r, troupe::statem_event& ev) { return on_refund(r, ev, captured_); });
    in_any_state([this](const status&) { return answer({}, state()); },
                 [this](const troupe::envelope&, troupe::statem_event& ev) { return reject(ev); });
  }

 protected:
  troupe::result<troupe::statem_transition> init() override {
    if (amount_ <= 0) return troupe::fail(troupe::errc::invalid_argument, "amount must be positive");
    return next_state(payment_state::pending).state_timeout(authorization_window, authorization_expired{});
  }

 private:
  troupe::statem_transition on_authorize(const authorize& a, troupe::statem_event& ev) {
    if (!gateway_authorizes(a.card_token)) return keep_state().reply(ev, answer("declined", state()));
    authorized_ = amount_;
    return next_state(payment_state::authorized).reply(ev, answer({}, payment_state::authorized));
  }

  troupe::statem_transition on_refund(const refund& r, troupe::statem_event& ev, std::int64_t available) {
    if (r.amount <= 0 || r.amount > available) return keep_state().reply(ev, answer("invalid_amount", state()));
    refunded_ = r.amount;
    return next_state(payment_state::refunded).reply(ev, answer({}, payment_state::refunded));
  }

  /// Anything a state has no handler for: an error reply to a call, never a crash.
  troupe::statem_transition reject(troupe::statem_event& ev) {
    bool terminal = state() == payment_state::captured || state() == payment_state::refunded ||
                    state() == payment_state::expired;
    return keep_state().reply(ev, answer(terminal ? "terminal_state" : "invalid_event", state()));
  }

  static outcome answer(std::string error, payment_state s) { return outcome{std::move(error), name_of(s)}; }

  std::string id_;
  std::int64_t amount_;
  std::int64_t authorized_ = 0;
  std::int64_t captured_ = 0;
  std::int64_t refunded_ = 0;
};

}  // namespace payments

namespace troupe {
namespace {

using namespace std::chrono_literals;
using namespace payments;

class PaymentFsmTest : public test::deterministic_fixture {
 protected:
  scoped_actor probe{sys};
  pid pay = sys.spawn<payment>("pay-1", 100);

  /// Sends a call from the probe without waiting (the node runs only when the test steps it).
  template <message Req>
  void send_call(Req req) {
    auto e = make_envelope<Req>(probe.self(), std::move(req));
    e->correlation = sys.make_ref();
    sys.deliver(pay, std::move(e));
  }
  template <message Req>
  outcome call_now(Req req) {
    send_call(std::move(req));
    run();
    auto r = probe->receive<outcome>(0s);
    return r ? *r : outcome{"<no reply>", "<unknown>"};
  }
  std::string state() { return call_now(status{}).state; }
};

TEST_F(PaymentFsmTest, APaymentStartsPending) { EXPECT_EQ(state(), "pending"); }

TEST_F(PaymentFsmTest, AuthorizingAPendingPaymentMovesItToAuthorized) {
  auto r = call_now(authorize{"ok-visa"});
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.state, "authorized");
}

TEST_F(PaymentFsmTest, ADeclinedCardKeepsThePaymentPending) {
  auto r = call_now(authorize{"stolen"});
  EXPECT_EQ(r.error, "declined");
  EXPECT_EQ(state(), "pending");
}

TEST_F(PaymentFsmTest, CapturingAnAuthorizedPaymentMovesItToCaptured) {
  call_now(authorize{"ok-visa"});
  auto r = call_now(capture{});
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.state, "captured");
}

TEST_F(PaymentFsmTest, RefundingAnAuthorizedPaymentMovesItToRefunded) {
  call_now(authorize{"ok-visa"});
  auto r = call_now(refund{100});
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.state, "refunded");
}

TEST_F(PaymentFsmTest, ACapturedPaymentCanStillBeRefunded) {
  call_now(authorize{"ok-visa"});
  call_now(capture{});
  auto r = call_now(refund{40});
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.state, "refunded");
}

TEST_F(PaymentFsmTest, ARefundLargerThanTheAuthorizedAmountIsRejected) {
  call_now(authorize{"ok-visa"});
  auto r = call_now(refund{101});
  EXPECT_EQ(r.error, "invalid_amount");
  EXPECT_EQ(state(), "authorized");
}

TEST_F(PaymentFsmTest, AnEventInvalidInTheCurrentStateGetsAnErrorReplyAndThePaymentLivesOn) {
  auto r = call_now(refund{10});
  EXPECT_EQ(r.error, "invalid_event");
  EXPECT_EQ(r.state, "pending");
  call_now(authorize{"ok-visa"});
  auto again = call_now(authorize{"ok-visa"});
  EXPECT_EQ(again.error, "invalid_event");
  EXPECT_TRUE(sys.alive(pay));
  EXPECT_EQ(state(), "authorized");
}

TEST_F(PaymentFsmTest, TerminalStatesAnswerEveryRequestWithATerminalStateError) {
  call_now(authorize{"ok-visa"});
  call_now(capture{});
  EXPECT_EQ(call_now(capture{}).error, "terminal_state");
  EXPECT_EQ(call_now(authorize{"ok-visa"}).error, "terminal_state");
  call_now(refund{100});
  EXPECT_EQ(call_now(refund{1}).error, "terminal_state");
  EXPECT_EQ(call_now(capture{}).error, "terminal_state");
  EXPECT_EQ(state(), "refunded");
}

TEST_F(PaymentFsmTest, APendingPaymentExpiresWhenAuthorizationDoesNotComeInTime) {
  run();
  advance(payment::authorization_window - 1ms);
  EXPECT_EQ(state(), "pending");
  advance(1ms);
  EXPECT_EQ(state(), "expired");
  EXPECT_EQ(call_now(authorize{"ok-visa"}).error, "terminal_state");
}

TEST_F(PaymentFsmTest, AuthorizingInTimeCancelsTheAuthorizationTimeout) {
  run();
  advance(29s);
  call_now(authorize{"ok-visa"});
  advance(1h);
  EXPECT_EQ(state(), "authorized");
}

TEST_F(PaymentFsmTest, ACaptureThatArrivesBeforeAuthorizationIsPostponedUntilAuthorized) {
  send_call(capture{});
  run();
  EXPECT_FALSE(probe->receive<outcome>(0s)) << "the capture waits for the authorization";
  send_call(authorize{"ok-visa"});
  run();
  auto first = probe->receive<outcome>(0s);
  auto second = probe->receive<outcome>(0s);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->state, "authorized") << "the capture arrived first but was postponed";
  EXPECT_EQ(second->error, "");
  EXPECT_EQ(second->state, "captured");
}

TEST_F(PaymentFsmTest, AnEarlyCaptureIsRejectedWhenThePaymentExpiresFirst) {
  send_call(capture{});
  run();
  advance(payment::authorization_window);
  auto r = probe->receive<outcome>(0s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, "terminal_state");
  EXPECT_EQ(r->state, "expired");
}

TEST_F(PaymentFsmTest, APaymentWithoutAnAmountFailsToStart) {
  pid bad = sys.spawn<payment>("pay-2", 0);
  probe->monitor(bad);
  run();
  auto down = probe->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->reason.what(), exit_reason::kind::error);
  EXPECT_NE(down->reason.detail().find("amount must be positive"), std::string::npos);
}

TEST(PaymentFsmThreadedTest, AnEarlyCaptureFromOneThreadCompletesOnceAnotherThreadAuthorizes) {
  actor_system sys(actor_system_config{.node_name = "payments", .threads = 2});
  pid pay = sys.spawn<payment>("pay-3", 100);
  result<outcome> captured = fail(errc::timeout);
  std::thread merchant([&] { captured = call<outcome>(sys, pay, capture{}, 10s); });
  auto authorized = call<outcome>(sys, pay, authorize{"ok-visa"}, 10s);
  merchant.join();
  ASSERT_TRUE(authorized) << authorized.error().message();
  ASSERT_TRUE(captured) << captured.error().message();
  EXPECT_EQ(authorized->error, "");
  EXPECT_EQ(captured->error, "");
  EXPECT_EQ(captured->state, "captured");
  auto status_now = call<outcome>(sys, pay, status{}, 10s);
  ASSERT_TRUE(status_now);
  EXPECT_EQ(status_now->state, "captured");
}

}  // namespace
}  // namespace troupe
