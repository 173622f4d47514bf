#pragma once
/// @file
/// `statem_transition`: what a `gen_statem` handler returns — OTP's `{next_state, S, Data,
/// Actions}`, `keep_state`, `repeat_state` and `{stop, Reason}` — with the actions chained on it:
///
/// ```
/// return next_state(door::open).reply(ev, opened{}).state_timeout(5s, relock{});
/// return keep_state().postpone();
/// ```
/// Build one with the `gen_statem` helpers (`next_state`, `keep_state`, `repeat_state`,
/// `stop_machine`). Actions run in the order they were chained, as OTP's action list does.
/// Timeout contents and `next_event` payloads are messages: when they fire they are dispatched to
/// the current state's handler for their type, like any other event.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "troupe/node/behaviour/gen_statem_event.hpp"
#include "troupe/node/clock.hpp"
#include "troupe/node/exit_reason.hpp"
#include "troupe/node/message_type.hpp"
#include "troupe/node/reply_to.hpp"

namespace troupe {

template <class State>
class gen_statem;

namespace detail {
class statem_engine;
}

/// Which of a state machine's timers an action is about.
enum class statem_timer : std::uint8_t { state, event, named };

/// One transition action. @note Built by `statem_transition`; read by the engine.
struct statem_action {
  enum class kind : std::uint8_t { reply, postpone, next_event, start_timer, cancel_timer, update_timer };
  kind what = kind::postpone;
  statem_timer timer = statem_timer::state;
  std::string name;       // named timeouts
  duration after{};       // start_timer
  bool absolute = false;  // start_timer at `at` rather than after `after` (OTP {abs, true})
  time_point at{};
  reply_to to;            // reply
  envelope_ptr message;   // reply, next_event, start_timer and update_timer (the timeout's content)
};

class [[nodiscard]] statem_transition {
 public:
  enum class kind : std::uint8_t {
    /// Stay in the current state (OTP keep_state / keep_state_and_data).
    keep,
    /// Go to `target()`; a state change when it differs from the current state.
    next,
    /// Stay, but run the state's enter handler again (OTP repeat_state).
    repeat,
    /// End the process with `reason()` after sending the replies (OTP stop / stop_and_reply).
    stop,
  };

  static statem_transition keep() { return statem_transition(kind::keep); }
  static statem_transition repeat() { return statem_transition(kind::repeat); }
  static statem_transition stop(exit_reason reason) {
    statem_transition t(kind::stop);
    t.reason_ = std::move(reason);
    return t;
  }

  /// Answers a call (OTP `{reply, From, Reply}`). An empty `to` (not a call) sends nothing.
  template <message R>
  statem_transition& reply(const reply_to& to, R&& msg) & {
    statem_action a{.what = statem_action::kind::reply};
    a.to = to;
    a.message = make_envelope<std::remove_cvref_t<R>>(pid{}, std::forward<R>(msg));
    return add(std::move(a));
  }
  template <message R>
  statem_transition& reply(const statem_event& ev, R&& msg) & {
    return reply(ev.from(), std::forward<R>(msg));
  }
  /// Keeps the event and retries it after the next state change, before newer events (OTP
  /// postpone). Not allowed from init or an enter handler.
  statem_transition& postpone() & { return add(statem_action{.what = statem_action::kind::postpone}); }
  /// Handles `msg` as an `internal` event next, before anything already queued (OTP next_event).
  template <message M>
  statem_transition& next_event(M&& msg) & {
    statem_action a{.what = statem_action::kind::next_event};
    a.message = make_envelope<std::remove_cvref_t<M>>(pid{}, std::forward<M>(msg));
    return add(std::move(a));
  }
  /// Starts (or restarts) the state timeout: `content` arrives as a `state_timeout` event after
  /// `after` unless the state changes first. Zero fires it before any message not yet handled.
  template <message M>
  statem_transition& state_timeout(duration after, M&& content) & {
    return start_timer(statem_timer::state, {}, after, make_envelope<std::remove_cvref_t<M>>(pid{}, std::forward<M>(content)));
  }
  statem_transition& cancel_state_timeout() & { return cancel_timer(statem_timer::state, {}); }
  /// Starts the event timeout: `content` arrives as an `event_timeout` event after `after` unless
  /// any event comes first (OTP timeout).
  template <message M>
  statem_transition& event_timeout(duration after, M&& content) & {
    return start_timer(statem_timer::event, {}, after, make_envelope<std::remove_cvref_t<M>>(pid{}, std::forward<M>(content)));
  }
  statem_transition& cancel_event_timeout() & { return cancel_timer(statem_timer::event, {}); }
  /// Starts (or restarts) the timeout called `name`: `content` arrives as a `named_timeout`
  /// event after `after`, whatever the state changes meanwhile (OTP `{timeout, Name}`).
  template <message M>
  statem_transition& timeout(std::string name, duration after, M&& content) & {
    return start_timer(statem_timer::named, std::move(name), after,
                       make_envelope<std::remove_cvref_t<M>>(pid{}, std::forward<M>(content)));
  }
  statem_transition& cancel_timeout(std::string name) & { return cancel_timer(statem_timer::named, std::move(name)); }
  /// The three timeouts at an absolute time on the node's clock (`system().clock().now()` is
  /// the reference), OTP's `{abs, true}` timeout option. A time already past fires at once,
  /// through the mailbox as any timer message (so not before mail already queued), as OTP's
  /// absolute timers do; otherwise each behaves as its relative form.
  template <message M>
  statem_transition& state_timeout_at(time_point at, M&& content) & {
    return start_timer_at(statem_timer::state, {}, at, make_envelope<std::remove_cvref_t<M>>(pid{}, std::forward<M>(content)));
  }
  template <message M>
  statem_transition& event_timeout_at(time_point at, M&& content) & {
    return start_timer_at(statem_timer::event, {}, at, make_envelope<std::remove_cvref_t<M>>(pid{}, std::forward<M>(content)));
  }
  template <message M>
  statem_transition& timeout_at(std::string name, time_point at, M&& content) & {
    return start_timer_at(statem_timer::named, std::move(name), at,
                          make_envelope<std::remove_cvref_t<M>>(pid{}, std::forward<M>(content)));
  }
  /// Gives the running state timeout new content without moving its expiry (OTP
  /// `{state_timeout, update, Content}`); with none running, the event comes at once, as from a
  /// zero timeout.
  template <message M>
  statem_transition& update_state_timeout(M&& content) & {
    return update_timer(statem_timer::state, {}, make_envelope<std::remove_cvref_t<M>>(pid{}, std::forward<M>(content)));
  }
  /// The same for the timeout called `name` (OTP `{{timeout, Name}, update, Content}`).
  template <message M>
  statem_transition& update_timeout(std::string name, M&& content) & {
    return update_timer(statem_timer::named, std::move(name), make_envelope<std::remove_cvref_t<M>>(pid{}, std::forward<M>(content)));
  }

  // The same actions on a temporary, so `return next_state(s).reply(ev, x);` reads naturally.
  template <message R>
  statem_transition&& reply(const reply_to& to, R&& msg) && { return std::move(reply(to, std::forward<R>(msg))); }
  template <message R>
  statem_transition&& reply(const statem_event& ev, R&& msg) && { return std::move(reply(ev, std::forward<R>(msg))); }
  statem_transition&& postpone() && { return std::move(postpone()); }
  template <message M>
  statem_transition&& next_event(M&& msg) && { return std::move(next_event(std::forward<M>(msg))); }
  template <message M>
  statem_transition&& state_timeout(duration after, M&& content) && {
    return std::move(state_timeout(after, std::forward<M>(content)));
  }
  statem_transition&& cancel_state_timeout() && { return std::move(cancel_state_timeout()); }
  template <message M>
  statem_transition&& event_timeout(duration after, M&& content) && {
    return std::move(event_timeout(after, std::forward<M>(content)));
  }
  statem_transition&& cancel_event_timeout() && { return std::move(cancel_event_timeout()); }
  template <message M>
  statem_transition&& timeout(std::string name, duration after, M&& content) && {
    return std::move(timeout(std::move(name), after, std::forward<M>(content)));
  }
  statem_transition&& cancel_timeout(std::string name) && { return std::move(cancel_timeout(std::move(name))); }
  template <message M>
  statem_transition&& state_timeout_at(time_point at, M&& content) && {
    return std::move(state_timeout_at(at, std::forward<M>(content)));
  }
  template <message M>
  statem_transition&& event_timeout_at(time_point at, M&& content) && {
    return std::move(event_timeout_at(at, std::forward<M>(content)));
  }
  template <message M>
  statem_transition&& timeout_at(std::string name, time_point at, M&& content) && {
    return std::move(timeout_at(std::move(name), at, std::forward<M>(content)));
  }
  template <message M>
  statem_transition&& update_state_timeout(M&& content) && {
    return std::move(update_state_timeout(std::forward<M>(content)));
  }
  template <message M>
  statem_transition&& update_timeout(std::string name, M&& content) && {
    return std::move(update_timeout(std::move(name), std::forward<M>(content)));
  }

  [[nodiscard]] kind what() const noexcept { return kind_; }
  [[nodiscard]] const exit_reason& reason() const noexcept { return reason_; }
  [[nodiscard]] std::vector<statem_action>& actions() noexcept { return actions_; }

 private:
  template <class State>
  friend class gen_statem;
  friend class detail::statem_engine;

  explicit statem_transition(kind k) : kind_(k) {}
  static statem_transition next(std::uint32_t target) {
    statem_transition t(kind::next);
    t.target_ = target;
    return t;
  }
  [[nodiscard]] std::uint32_t target() const noexcept { return target_; }

  statem_transition& add(statem_action a) {
    actions_.push_back(std::move(a));
    return *this;
  }
  statem_transition& start_timer(statem_timer which, std::string name, duration after, envelope_ptr content) {
    statem_action a{.what = statem_action::kind::start_timer, .timer = which, .name = std::move(name), .after = after};
    a.message = std::move(content);
    return add(std::move(a));
  }
  statem_transition& start_timer_at(statem_timer which, std::string name, time_point at, envelope_ptr content) {
    statem_action a{.what = statem_action::kind::start_timer, .timer = which, .name = std::move(name), .absolute = true, .at = at};
    a.message = std::move(content);
    return add(std::move(a));
  }
  statem_transition& update_timer(statem_timer which, std::string name, envelope_ptr content) {
    statem_action a{.what = statem_action::kind::update_timer, .timer = which, .name = std::move(name)};
    a.message = std::move(content);
    return add(std::move(a));
  }
  statem_transition& cancel_timer(statem_timer which, std::string name) {
    return add(statem_action{.what = statem_action::kind::cancel_timer, .timer = which, .name = std::move(name)});
  }

  kind kind_;
  std::uint32_t target_ = 0;
  exit_reason reason_;
  std::vector<statem_action> actions_;
};

}  // namespace troupe
