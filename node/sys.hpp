#pragma once
/// @file
/// Debugging a live process, as Erlang's `sys` module does: look at and replace its state,
/// suspend and resume it, read its counters, and trace the messages it receives and sends.
///
/// ```
/// auto s = troupe::sys::get_state_as<std::int64_t>(system, counter);     // result<std::int64_t>
/// troupe::sys::replace_state(system, counter, std::int64_t{100});
/// troupe::sys::suspend(system, worker);   // its mail waits, in order ...
/// troupe::sys::resume(system, worker);    // ... and is handled now, oldest first
/// troupe::sys::trace(system, worker, true);
/// auto t = troupe::sys::get_trace(system, worker);    // what it got and sent meanwhile
/// auto st = troupe::sys::statistics(system, worker);  // received, handled, sent, high water...
/// ```
///
/// | Erlang `sys`                 | here                                             |
/// |------------------------------|--------------------------------------------------|
/// | `get_state(Name)`            | `get_state(sys, pid)`, `get_state_as<T>(...)`    |
/// | `replace_state(Name, Fun)`   | `replace_state(sys, pid, new_state)`             |
/// | `suspend/1`, `resume/1`      | `suspend(sys, pid)`, `resume(sys, pid)`          |
/// | `statistics(Name, true/get)` | `statistics(sys, pid)` (always on)               |
/// | `trace(Name, true/false)`    | `trace(sys, pid, on)` + `get_trace(sys, pid)`    |
///
/// How it works: each function is a call carrying a sys request (node/sys_messages.hpp). The
/// runtime answers it inside the target process, between two of its messages, for every kind of
/// process — no handler is involved. So it works the same on a pid of another node, and
/// troupectl reaches it too (`troupectl sys ...`, docs/troupectl.md).
///
/// What "state" is: a process shows the state it chose to expose with `actor::expose_state`
/// (or by overriding `actor::sys_get_state` / `sys_replace_state`). gen_statem shows
/// `[state, data]`, an agent its state when its type is `sys_packable`. A process with nothing
/// exposed answers `not_found` with a message that says so.
///
/// These functions block the calling thread (as `troupe::call`): for threads outside the actor
/// world. Inside a process, send the requests with `actor::request` instead. Errors are those of
/// a call — `timeout`, `noproc`, `noconnection`, `exited` — plus `not_found` and `codec` for the
/// state functions. A process busy in a long handler answers when the handler returns; a
/// blocking (scoped) actor never answers.

#include <cstdint>

#include "troupe/node/actor_system.hpp"
#include "troupe/node/call.hpp"
#include "troupe/node/msgpack_value.hpp"
#include "troupe/node/sys_messages.hpp"
#include "troupe/node/sys_state.hpp"

namespace troupe::sys {

/// The state of `p` as one MessagePack value.
[[nodiscard]] result<msgpack_value> get_state(actor_system& system, const pid& p, duration timeout = default_call_timeout);

/// The state of `p` decoded as a `T`; `codec` if it does not decode as one.
template <class T>
[[nodiscard]] result<T> get_state_as(actor_system& system, const pid& p, duration timeout = default_call_timeout) {
  auto v = get_state(system, p, timeout);
  if (!v) return std::unexpected(v.error());
  return v->as<T>();
}

namespace detail {
[[nodiscard]] result<msgpack_value> replace_packed_state(actor_system& system, const pid& p, msgpack_value state,
                                                         duration timeout);
}  // namespace detail

/// Replaces the state of `p` with `state` (any `sys_packable` value, or a `msgpack_value`) and
/// returns the state as it is afterwards. `codec` (nothing changed) if it does not fit.
template <sys_packable T>
result<msgpack_value> replace_state(actor_system& system, const pid& p, const T& state,
                                    duration timeout = default_call_timeout) {
  msgpack::sbuffer b;
  pack_state(b, state);
  return detail::replace_packed_state(system, p, msgpack_value{{b.data(), b.data() + b.size()}}, timeout);
}

/// Stops `p` handling its messages (they stay queued, in order) until `resume`. It still answers
/// sys requests, acts on signals (a kill still kills), and takes an exit from its parent.
result<void> suspend(actor_system& system, const pid& p, duration timeout = default_call_timeout);
/// Lets a suspended `p` handle its queued messages again, oldest first. Harmless if not suspended.
result<void> resume(actor_system& system, const pid& p, duration timeout = default_call_timeout);

/// The counters of `p`: messages received, handled and sent, turns, mailbox length and
/// high-water mark, start time, status.
[[nodiscard]] result<process_statistics> statistics(actor_system& system, const pid& p,
                                                    duration timeout = default_call_timeout);

struct trace_options {
  /// Events kept (the oldest go first); 0 means 256, at most 65536.
  std::uint32_t capacity = 0;
  /// Also print each event through the node's log, at info level.
  bool log = false;
};
/// Turns the trace of `p` on (emptying it) or off (keeping what it recorded). While on, `p`
/// records each message it takes from its queue ("in") and each it sends ("out"): time, peer,
/// wire type name, and whether it is a call, a reply or a plain message. Timers, signals and the
/// sys requests themselves are not recorded.
result<void> trace(actor_system& system, const pid& p, bool on, trace_options options = {},
                   duration timeout = default_call_timeout);
/// What the trace of `p` holds, oldest first; `clear` empties it afterwards.
[[nodiscard]] result<trace_reply> get_trace(actor_system& system, const pid& p, bool clear = false,
                                            duration timeout = default_call_timeout);

}  // namespace troupe::sys
