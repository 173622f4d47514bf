#pragma once
/// @file
/// Calls from outside the actor world: send a request, block this (non-actor) thread until the
/// reply, the target's death, or the timeout — whichever comes first (Erlang gen:call).
///
/// ```
/// auto v = troupe::call<counter_value>(system, counter, get_value{}, 500ms);
/// if (!v) std::cerr << v.error().message();   // timeout, noproc, exited: <reason>, unhandled, ...
/// ```
/// Inside a process use `actor::request` instead: it never blocks a scheduler thread.
///
/// Each call runs in a short-lived process of its own that monitors the target, so a reply that
/// arrives after the timeout has nowhere to go (a dead letter) and never leaks into a later call.

#include <string>

#include "troupe/node/actor_system.hpp"
#include "troupe/node/scoped_actor.hpp"

namespace troupe {

/// Default call timeout, as OTP's.
inline constexpr duration default_call_timeout = std::chrono::seconds(5);

namespace detail {
/// Sends `req` as a call and waits; returns the reply envelope or the error. Every blocking
/// call (by pid, name or `via`; supervisor, pool and sys requests) goes through here. In
/// deterministic mode it first runs the stepped executor until idle and then fails with
/// `timeout` if no reply came: simulated time never passes by itself.
result<envelope_ptr> blocking_call(actor_system& sys, const pid& to, envelope_ptr req, duration timeout);

/// The reply's payload if it has the expected type, else `codec`.
template <message Resp>
result<Resp> unwrap_reply(result<envelope_ptr> r) {
  if (!r) return std::unexpected(r.error());
  if (!holds<Resp>(**r)) return fail(errc::codec, "reply has type '" + std::string((*r)->type->name) + "'");
  return std::move(payload<Resp>(**r));
}
}  // namespace detail

template <message Resp, message Req>
result<Resp> call(actor_system& sys, const pid& to, Req&& req, duration timeout = default_call_timeout) {
  return detail::unwrap_reply<Resp>(
      detail::blocking_call(sys, to, make_envelope<std::remove_cvref_t<Req>>(pid{}, std::forward<Req>(req)), timeout));
}

/// Calls a locally registered name; `noproc` if nothing has that name.
template <message Resp, message Req>
result<Resp> call(actor_system& sys, std::string_view name, Req&& req, duration timeout = default_call_timeout) {
  auto p = sys.whereis(name);
  if (!p) return fail(errc::noproc, "no process is registered as '" + std::string(name) + "'");
  return call<Resp>(sys, *p, std::forward<Req>(req), timeout);
}

}  // namespace troupe
