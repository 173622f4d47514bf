#include "troupe/node/sys.hpp"

#include "troupe/node/call.hpp"

namespace troupe::sys {
namespace {

/// Sends `req` as a call to `p` and waits for a `Resp` (stepping a deterministic node first).
template <class Resp, class Req>
result<Resp> ask(actor_system& system, const pid& p, Req req, duration timeout) {
  auto e = make_envelope<Req>(pid{}, std::move(req));
  return troupe::detail::unwrap_reply<Resp>(troupe::detail::blocking_call(system, p, std::move(e), timeout));
}

errc code_named(const std::string& name) {
  for (int c = static_cast<int>(errc::noproc); c <= static_cast<int>(errc::unknown_type); ++c)
    if (name == to_string(static_cast<errc>(c))) return static_cast<errc>(c);
  return errc::invalid_argument;
}

result<msgpack_value> state_of(result<state_reply> r) {
  if (!r) return std::unexpected(r.error());
  if (!r->ok) return fail(code_named(r->code), r->error);
  return std::move(r->state);
}

result<void> done(result<done_reply> r) {
  if (!r) return std::unexpected(r.error());
  if (!r->ok) return fail(errc::invalid_argument, r->error);
  return {};
}

}  // namespace

result<msgpack_value> get_state(actor_system& system, const pid& p, duration timeout) {
  return state_of(ask<state_reply>(system, p, get_state_request{}, timeout));
}

result<msgpack_value> detail::replace_packed_state(actor_system& system, const pid& p, msgpack_value state,
                                                   duration timeout) {
  return state_of(ask<state_reply>(system, p, replace_state_request{std::move(state)}, timeout));
}

result<void> suspend(actor_system& system, const pid& p, duration timeout) {
  return done(ask<done_reply>(system, p, suspend_request{}, timeout));
}

result<void> resume(actor_system& system, const pid& p, duration timeout) {
  return done(ask<done_reply>(system, p, resume_request{}, timeout));
}

result<process_statistics> statistics(actor_system& system, const pid& p, duration timeout) {
  return ask<process_statistics>(system, p, statistics_request{}, timeout);
}

result<void> trace(actor_system& system, const pid& p, bool on, trace_options options, duration timeout) {
  return done(ask<done_reply>(system, p, trace_request{on, options.capacity, options.log}, timeout));
}

result<trace_reply> get_trace(actor_system& system, const pid& p, bool clear, duration timeout) {
  return ask<trace_reply>(system, p, get_trace_request{clear}, timeout);
}

}  // namespace troupe::sys
