#pragma once
/// @file
/// `troupe::stop(sys, server, reason, timeout)`: stop a gen_server from outside and wait until
/// it has gone (OTP's `gen_server:stop/3`).
///
/// ```
/// if (auto r = troupe::stop(sys, cache, exit_reason::shutdown(), 2s); !r) log(r.error().message());
/// ```
/// The server runs `terminate(reason)` and exits with `reason`, whether or not it traps exits
/// (unlike an exit signal, which runs `terminate` only in a server that traps them). The call
/// returns once the server is gone: `ok` if it exited with `reason`; `noproc` if there was no
/// such server; `exited` (with the reason) if it ended another way before the request reached
/// it; `timeout` if it was still running at the deadline (it is left running, as OTP leaves it).
///
/// How: the request is a message the gen_server engine answers itself, before the server's own
/// handlers (as OTP's `sys:terminate` is a system message); the caller waits for the monitor's
/// DOWN, not for a reply, so the answer comes after `terminate` has returned. A process that is
/// not a gen_server logs the request as unhandled and the stop times out.
/// For threads outside the actor world (in deterministic mode it steps the node first).

#include "troupe/node/actor_system.hpp"
#include "troupe/node/call.hpp"
#include "troupe/node/message_type.hpp"

namespace troupe {

namespace detail {
/// Asks a gen_server to stop with `reason`, running terminate.
struct gen_server_stop_request {
  exit_reason reason;
};
}  // namespace detail

/// Stops `server` with `reason` and waits up to `timeout` for it to exit (OTP gen_server:stop/3).
result<void> stop(actor_system& sys, const pid& server, exit_reason reason = exit_reason::normal(),
                  duration timeout = default_call_timeout);
/// The same, for a locally registered name; `noproc` if nobody holds it.
result<void> stop(actor_system& sys, std::string_view name, exit_reason reason = exit_reason::normal(),
                  duration timeout = default_call_timeout);

}  // namespace troupe

TROUPE_LOCAL_MESSAGE(troupe::detail::gen_server_stop_request, "troupe.gen_server.stop");
