#pragma once
/// @file
/// The typed handler sets of `gen_statem` states: one small function per message type, as in
/// `behavior`, but returning a `statem_transition` and optionally taking the `statem_event`.
///
/// A handler is `R(const M&)` or `R(const M&, statem_event&)` (`M = envelope` matches anything
/// and must come last). R is `statem_transition`, `void` (keep the state), or a message type
/// (answer the call with it and keep the state, as a `behavior` handler does).

#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>

#include "troupe/node/actor.hpp"
#include "troupe/node/behaviour/gen_statem_event.hpp"
#include "troupe/node/behaviour/gen_statem_transition.hpp"
#include "troupe/node/message_type.hpp"

namespace troupe::detail {

template <class F>
struct statem_fn : statem_fn<decltype(&F::operator())> {};
template <class C, class R, class A, class... Rest>
struct statem_fn<R (C::*)(A, Rest...) const> {
  using arg = std::remove_cvref_t<A>;
};
template <class C, class R, class A, class... Rest>
struct statem_fn<R (C::*)(A, Rest...)> {
  using arg = std::remove_cvref_t<A>;
};

template <class F>
using statem_arg_t = typename statem_fn<std::remove_cvref_t<F>>::arg;

/// Calls `f` with the message, and the event if it takes one.
template <class F, class Arg>
decltype(auto) call_statem_handler(F& f, Arg& arg, statem_event& ev) {
  if constexpr (std::is_invocable_v<F&, Arg&, statem_event&>)
    return f(arg, ev);
  else
    return f(arg);
}

/// Turns whatever the handler returned into a transition.
template <class F, class Arg>
statem_transition run_statem_handler(F& f, Arg& arg, statem_event& ev, actor& self) {
  using R = decltype(call_statem_handler(f, arg, ev));
  if constexpr (std::is_void_v<R>) {
    call_statem_handler(f, arg, ev);
    return statem_transition::keep();
  } else if constexpr (std::is_same_v<std::remove_cvref_t<R>, statem_transition>) {
    return call_statem_handler(f, arg, ev);
  } else {
    static_assert(message<R>, "a gen_statem handler returns statem_transition, void, or a message (a reply)");
    auto reply = call_statem_handler(f, arg, ev);
    if (ev.is_call()) self.reply(ev.from(), std::move(reply));
    return statem_transition::keep();
  }
}

template <class F>
bool try_statem_handler(F& f, envelope& e, statem_event& ev, actor& self, std::optional<statem_transition>& out) {
  using arg = statem_arg_t<F>;
  if constexpr (std::is_same_v<arg, envelope>) {
    out.emplace(run_statem_handler(f, e, ev, self));
    return true;
  } else {
    if (e.type != &type_of<arg>()) return false;
    out.emplace(run_statem_handler(f, payload<arg>(e), ev, self));
    return true;
  }
}

/// One `in_state(...)` call's handlers.
struct statem_handler_set {
  virtual ~statem_handler_set() = default;
  /// The transition of the first handler for the message's type; empty if none matches.
  virtual std::optional<statem_transition> dispatch(envelope& e, statem_event& ev, actor& self) = 0;
};

template <class... Fs>
struct statem_handler_set_impl final : statem_handler_set {
  std::tuple<Fs...> handlers;
  explicit statem_handler_set_impl(Fs... fs) : handlers(std::move(fs)...) {}
  std::optional<statem_transition> dispatch(envelope& e, statem_event& ev, actor& self) override {
    std::optional<statem_transition> out;
    std::apply([&](auto&... h) { (try_statem_handler(h, e, ev, self, out) || ...); }, handlers);
    return out;
  }
};

}  // namespace troupe::detail
