#pragma once
/// @file
/// `gen_statem<State>`: a state machine process with OTP gen_statem semantics, in the
/// state-functions style — each state has its own typed handlers.
///
/// The user module (a subclass) implements:
/// ```
///   init()                    -> result<statem_transition>   OTP init/1
///       next_state(S0) [+ actions]: start in S0; an error or stop_machine(reason): do not start.
///   in_state(S, handlers...)  OTP StateName/3, one handler per message type:
///       handler(const M&[, statem_event&]) -> statem_transition | void | a reply message
///           next_state(S2) / keep_state() / repeat_state() / stop_machine(reason)
///           actions: .reply(ev, r) .postpone() .next_event(m) .state_timeout(d, m)
///                    .event_timeout(d, m) .timeout(name, d, m) .cancel_*(...)
///                    .update_state_timeout(m) .update_timeout(name, m)
///                    .state_timeout_at(t, m) .event_timeout_at(t, m) .timeout_at(name, t, m)
///   on_enter(S, f)            OTP StateName(enter, OldState, Data), with state_enter mode:
///       f(const State& old) -> statem_transition | void    (timeouts and replies only)
///   in_any_state(handlers...) handlers tried after the current state's (e.g. a catch-all)
///   terminate(reason)         OTP terminate/3; runs if init succeeded, whatever the reason
/// ```
/// The data lives in the subclass's members (OTP's Data argument); `keep_state()` is also
/// OTP's keep_state_and_data.
///
/// ```
///   User code                          Generic engine (gen_statem_engine.cpp)
///   ---------                          --------------------------------------
///   system.spawn<payment>(...)  ---->  on_start: init() -> state S0, actions, S0's enter
///   call<R>(sys, pid, req)      ---->  on_message: cancel the event timeout
///                                        -> S's handler for req's type (else any-state, else
///                                           unmatched_event: logged and dropped)
///                                        <- transition: replies sent, then
///                                           state changed? cancel state timeout, retry the
///                                           postponed events (oldest first), run S2's enter
///                                           start/cancel the timeouts
///                                        -> next_event and retried events, before the mailbox
///   send_after(...) fires       ---->  state_timeout / event_timeout / named_timeout event
///   stop_machine(reason)        ---->  replies sent, process exits: terminate(reason)
/// ```
///
/// A handler receives the message and, if it asks for it, the `statem_event` (call, cast, info,
/// timeouts, internal; the caller to reply to). It answers a call by returning a message, by a
/// `.reply` action, or later with `actor::reply(ev.from(), msg)`.
///
/// Example:
/// ```
/// enum class door { locked, open };
/// class door_fsm final : public troupe::gen_statem<door> {
///  public:
///   door_fsm() {
///     in_state(door::locked, [this](const unlock& u, statem_event& ev) {
///       if (u.code != code_) return keep_state().reply(ev, wrong_code{});
///       return next_state(door::open).reply(ev, opened{}).state_timeout(10s, relock{});
///     });
///     in_state(door::open, [this](const relock&) { return next_state(door::locked); });
///   }
///  protected:
///   result<statem_transition> init() override { return next_state(door::locked); }
/// };
/// ```
///
/// Threading: as `actor`: everything here runs in the process, on its own turn. Declare the
/// handlers in the constructor or in init, never from inside a handler.
///
/// sys (node/sys.hpp): `sys::get_state` shows `[state, data]` as OTP does — the state when
/// `State` is `sys_packable` (else nil), and the data the machine exposed with
/// `expose_state(member)` (else nil). `sys::replace_state` takes the same pair; a nil element
/// leaves that half as it is. Replacing the state runs no enter handler and keeps the timeouts.

#include <algorithm>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "troupe/node/actor_system.hpp"
#include "troupe/node/behaviour/gen_statem_engine.hpp"
#include "troupe/node/behaviour/gen_statem_event.hpp"
#include "troupe/node/behaviour/gen_statem_handlers.hpp"
#include "troupe/node/behaviour/gen_statem_transition.hpp"
#include "troupe/node/sys_state.hpp"

namespace troupe {

/// `State` is any copyable, equality-comparable value: an enum, a string, a small struct.
template <class State>
class gen_statem : public detail::statem_engine {
 public:
  using state_type = State;

  /// The current state. @note Owning actor only; meaningful once init has returned.
  [[nodiscard]] const State& state() const { return states_.at(current_state_id()); }

 protected:
  /// OTP init/1: the initial state and its actions (`next_state(s)`), or why the machine cannot
  /// start — an error (the process exits with `error: init failed: ...`) or
  /// `stop_machine(reason)` (it exits with `reason`). terminate does not run in either case.
  virtual result<statem_transition> init() = 0;
  /// OTP terminate/3: the machine is ending with `reason` (a stop transition, a crash, an exit
  /// signal). It runs only if init succeeded. The current state is still `state()`.
  virtual void terminate(const exit_reason& reason) { (void)reason; }

  /// Adds handlers for state `s`, tried in order, first matching type wins. Several calls for one
  /// state add sets tried in the order they were added.
  template <class... Fs>
    requires(sizeof...(Fs) > 0)
  void in_state(const State& s, Fs... handlers) {
    add_handlers(id_of(s), std::make_unique<detail::statem_handler_set_impl<Fs...>>(std::move(handlers)...));
  }
  /// Adds handlers tried in every state after the state's own.
  template <class... Fs>
    requires(sizeof...(Fs) > 0)
  void in_any_state(Fs... handlers) {
    add_handlers(any_state, std::make_unique<detail::statem_handler_set_impl<Fs...>>(std::move(handlers)...));
  }
  /// Runs `f(old_state)` each time the machine enters `s` from another state (and for the initial
  /// state, with itself as `old_state`), or on `repeat_state`. It may set timeouts and reply, or
  /// stop the machine; changing state, postponing or inserting events from it is an error that
  /// ends the machine, as in OTP.
  template <class F>
  void on_enter(const State& s, F f) {
    set_enter(id_of(s), [this, f = std::move(f)](state_id old) mutable -> statem_transition {
      if constexpr (std::is_void_v<std::invoke_result_t<F&, const State&>>) {
        f(states_[old]);
        return keep_state();
      } else {
        return f(states_[old]);
      }
    });
  }

  /// Go to state `s` (OTP next_state). The same state is not a state change: the state timeout
  /// keeps running and postponed events stay postponed.
  statem_transition next_state(const State& s) { return statem_transition::next(id_of(s)); }
  /// Stay in this state (OTP keep_state / keep_state_and_data).
  static statem_transition keep_state() { return statem_transition::keep(); }
  /// Stay, and run this state's enter handler again (OTP repeat_state).
  static statem_transition repeat_state() { return statem_transition::repeat(); }
  /// End the machine with `reason` once its replies are sent (OTP stop / stop_and_reply).
  static statem_transition stop_machine(exit_reason reason = exit_reason::normal()) {
    return statem_transition::stop(std::move(reason));
  }

 protected:
  result<msgpack_value> sys_get_state() override {
    msgpack::sbuffer b;
    msgpack::packer<msgpack::sbuffer> pk(b);
    pk.pack_array(2);
    if constexpr (sys_packable<State>)
      pack_state(b, state());
    else
      pk.pack_nil();
    auto data = actor::sys_get_state();  // what the machine exposed, if anything
    if (data)
      pk.pack(*data);
    else
      pk.pack_nil();
    return msgpack_value{{b.data(), b.data() + b.size()}};
  }

  result<void> sys_replace_state(const msgpack::object& v) override {
    if (v.type != msgpack::type::ARRAY || v.via.array.size != 2)
      return fail(errc::codec, "a gen_statem's state is replaced by a pair [state, data]");
    const msgpack::object& s = v.via.array.ptr[0];
    const msgpack::object& data = v.via.array.ptr[1];
    std::optional<State> next;
    if (s.type != msgpack::type::NIL) {
      if constexpr (sys_packable<State>) {
        try {
          State decoded = state();
          unpack_state(s, decoded);
          next = std::move(decoded);
        } catch (const std::exception& ex) {
          return fail(errc::codec, std::string("the new state does not fit the machine's state type (") + ex.what() + ")");
        }
      } else {
        return fail(errc::codec, "this machine's state type cannot be set through sys (not sys_packable)");
      }
    }
    if (data.type != msgpack::type::NIL) {
      if (auto r = actor::sys_replace_state(data); !r) return r;
    }
    if (next) sys_set_state_id(id_of(*next));
    return {};
  }

 private:
  result<statem_transition> run_init() final { return init(); }
  void run_terminate(const exit_reason& reason) final { terminate(reason); }

  /// States are numbered in the order they are first named; few enough for a linear search.
  state_id id_of(const State& s) {
    auto it = std::find(states_.begin(), states_.end(), s);
    if (it != states_.end()) return static_cast<state_id>(it - states_.begin());
    states_.push_back(s);
    return static_cast<state_id>(states_.size() - 1);
  }

  std::vector<State> states_;
};

}  // namespace troupe
