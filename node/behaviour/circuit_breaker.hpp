#pragma once
/// @file
/// `circuit_breaker`: stops calling a service that keeps failing, then probes it carefully
/// (Erlang's `fuse`, the circuit breaker of Release It!).
///
/// ```
///  closed ──(max_failures failures within window)──► open ──(cool_down passed, next ask)──► half_open
///    ▲                                                 ▲                                       │
///    └────────────── the trial call succeeds ──────────┼───────── the trial call fails ────────┘
/// ```
/// - closed: every call goes through; failures older than `window` are forgotten.
/// - open: every call is refused at once (no time wasted on a service known to be down).
/// - half_open: exactly one trial call goes through; the others are refused until it ends.
///
/// | fuse                       | here                                          |
/// |----------------------------|-----------------------------------------------|
/// | `fuse:install(N, {{standard, MaxR, MaxT}, {reset, R}})` | `circuit_breaker(clock, {max_failures, window, cool_down})` |
/// | `fuse:ask(N, sync)` → ok / blown | `ask()` → true / false                  |
/// | `fuse:melt(N)`             | `record_failure()`; `record_success()` ends a trial |
/// | `fuse:reset(N)`            | `reset()`                                     |
///
/// Around any call: `call` (blocking, plain threads) and `request` (inside a process) ask
/// first and record the outcome themselves: a reply is a success, any error (timeout, noproc,
/// exited...) a failure. A refused call fails at once with `overloaded: circuit open`.
///
/// Time comes from a `troupe::clock`, so tests drive it with a `manual_clock`.
/// @threadsafe (one mutex; share one breaker per guarded service).

#include <deque>
#include <mutex>

#include "troupe/node/actor_system.hpp"
#include "troupe/node/call.hpp"

namespace troupe {

struct circuit_breaker_options {
  /// This many failures within `window` open the circuit.
  std::size_t max_failures = 5;
  duration window = std::chrono::seconds(10);
  /// How long the circuit stays open before a trial call may go through.
  duration cool_down = std::chrono::seconds(30);
};

enum class breaker_state { closed, open, half_open };

class circuit_breaker {
 public:
  circuit_breaker(const troupe::clock& clock, circuit_breaker_options opts = {});

  /// May a call go through now? In half_open, true only for the one trial call.
  [[nodiscard]] bool ask();
  /// The call went well: ends a trial by closing the circuit.
  void record_success();
  /// The call failed: may open the circuit; a failed trial reopens it for another cool-down.
  void record_failure();
  /// Back to closed with no failures remembered.
  void reset();
  [[nodiscard]] breaker_state state() const;

  /// A blocking call through the breaker (plain threads only, as `troupe::call`).
  template <message Resp, message Req>
  result<Resp> call(actor_system& sys, const pid& to, Req&& req, duration timeout = default_call_timeout) {
    if (!ask()) return refused();
    auto r = troupe::call<Resp>(sys, to, std::forward<Req>(req), timeout);
    record(r.has_value());
    return r;
  }
  /// A non-blocking call through the breaker: `done(result<Resp>)` runs in `self`. The breaker
  /// must outlive the call.
  template <message Resp, message Req, class F>
  void request(actor& self, const pid& to, Req&& req, duration timeout, F&& done) {
    if (!ask()) return done(result<Resp>(refused()));
    self.request<Resp>(to, std::forward<Req>(req), timeout, [this, k = std::forward<F>(done)](result<Resp> r) mutable {
      record(r.has_value());
      k(std::move(r));
    });
  }
  /// Runs `f()` (returning a `result<T>`) through the breaker.
  template <class F>
  auto run(F&& f) -> decltype(f()) {
    if (!ask()) return refused();
    auto r = f();
    record(r.has_value());
    return r;
  }

 private:
  static std::unexpected<error> refused() { return fail(errc::overloaded, "circuit open"); }
  void record(bool ok) { ok ? record_success() : record_failure(); }
  void open_now(time_point now);
  void forget_old_failures(time_point now);

  const troupe::clock& clock_;
  circuit_breaker_options opts_;
  mutable std::mutex mutex_;
  breaker_state state_ = breaker_state::closed;
  std::deque<time_point> failures_;
  time_point opened_at_{};
  bool trial_in_flight_ = false;
};

}  // namespace troupe
