#pragma once
/// @file
/// Talking to a `gen_server` by pid, by local name or by `via` name: `cast` (fire and forget,
/// OTP gen_server:cast) and `call` (correlated request and reply, OTP gen_server:call).
///
/// ```
/// troupe::cast(sys, via{&registry, "pool"}, checkin{conn});
/// auto n = troupe::call<count>(sys, via{&registry, "pool"}, get_count{}, 500ms);
/// ```
/// `call(sys, pid | name)` comes from `node/call.hpp`; this file adds `via` and the casts.
/// Inside a process use `actor::request` (never a blocking call). A cast, like OTP's, never
/// fails: to a name that nobody holds it is dropped (counted as a dead letter when the pid is
/// known but dead).

#include <string>
#include <string_view>

#include "troupe/node/actor_system.hpp"
#include "troupe/node/call.hpp"
#include "troupe/node/name_service.hpp"

namespace troupe {

namespace detail {
inline std::optional<pid> resolve(const via& v) {
  return v.service ? v.service->whereis(v.name) : std::nullopt;
}
}  // namespace detail

/// Calls the process `v` names; `noproc` if nobody holds the name.
template <message Resp, message Req>
result<Resp> call(actor_system& sys, const via& v, Req&& req, duration timeout = default_call_timeout) {
  auto p = detail::resolve(v);
  if (!p) return fail(errc::noproc, "no process is registered as '" + v.name + "'");
  auto e = make_envelope<std::remove_cvref_t<Req>>(pid{}, std::forward<Req>(req));
  return detail::unwrap_reply<Resp>(detail::blocking_call(sys, *p, std::move(e), timeout));
}

template <message T>
void cast(actor_system& sys, const pid& to, T&& msg) {
  sys.send(to, std::forward<T>(msg));
}
template <message T>
void cast(actor_system& sys, std::string_view name, T&& msg) {
  (void)sys.send(name, std::forward<T>(msg));
}
template <message T>
void cast(actor_system& sys, const via& v, T&& msg) {
  if (auto p = detail::resolve(v)) sys.send(*p, std::forward<T>(msg));
}
template <message T>
void cast(actor& self, const pid& to, T&& msg) {
  self.send(to, std::forward<T>(msg));
}
template <message T>
void cast(actor& self, std::string_view name, T&& msg) {
  if (auto p = self.system().whereis(name)) self.send(*p, std::forward<T>(msg));
}
template <message T>
void cast(actor& self, const via& v, T&& msg) {
  if (auto p = detail::resolve(v)) self.send(*p, std::forward<T>(msg));
}

}  // namespace troupe
