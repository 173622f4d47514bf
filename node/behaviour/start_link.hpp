#pragma once
/// @file
/// Starting a `gen_server` (and anything built on it, e.g. `supervisor`) or a `gen_statem`:
/// OTP's `start` and `start_link`. A state machine reports its init the same way: a failed init
/// or a taken name comes back to the starter (gen_statem:start_link's `{error, Reason}`).
///
/// ```
/// // From a non-actor thread (main, a test): blocks until init has run.
/// result<pid> p = troupe::start<counter>(sys, start_options::local("counter"), 0);
///
/// // From inside a process: never blocks. The child is linked at once; its started_msg
/// // (ticket.ack) arrives when its init has run, before any exit signal from it.
/// start_ticket t = troupe::start_link<counter>(self, {}, 0);
/// ... [&](const started_msg& m) { if (m.ref == t.ack) use(m.to_result()); }
/// ```
/// Why the asynchronous form: a process that waited for its child's init would hold a scheduler
/// thread, and a supervisor must stay responsive while its children start.

#include <type_traits>

#include "troupe/node/actor_system.hpp"
#include "troupe/node/behaviour/gen_server.hpp"
#include "troupe/node/behaviour/gen_statem_engine.hpp"
#include "troupe/node/behaviour/start_options.hpp"
#include "troupe/node/scoped_actor.hpp"

namespace troupe {

namespace detail {

/// The waiting side of a blocking start: a scoped process that receives the child's
/// `started_msg` (or its death) with a deadline. In deterministic mode it first runs the
/// stepped executor until idle, so tests can start servers without threads.
class start_waiter {
 public:
  explicit start_waiter(actor_system& sys) : sys_(sys), self_(sys) {}
  [[nodiscard]] result<void> usable() const;
  [[nodiscard]] start_config config(const start_options& o) { return {o.name, self_.self(), ack_ = sys_.make_ref()}; }
  [[nodiscard]] result<pid> wait(const pid& child, duration timeout);

 private:
  actor_system& sys_;
  scoped_actor self_;
  std::uint64_t ack_ = 0;
};

/// The process actually spawned for a `T`: a host that hands it the start options before init.
template <class T>
using start_host = std::conditional_t<std::is_base_of_v<gen_server, T>, gen_server_host<T>, gen_statem_host<T>>;

template <class... Args>
inline constexpr bool first_is_options = false;
template <class First, class... Rest>
inline constexpr bool first_is_options<First, Rest...> = std::is_same_v<std::remove_cvref_t<First>, start_options>;

}  // namespace detail

/// Starts a `T` (unlinked) and waits for its `init`: the pid, a null pid if init returned
/// ignore, or `init_failed` (with the reason), `name_taken`, `timeout`, `shutting_down`,
/// `invalid_argument` when called on a scheduler thread. For non-actor threads only.
template <class T, class... Args>
[[nodiscard]] result<pid> start(actor_system& sys, const start_options& o, Args&&... args) {
  detail::start_waiter w(sys);
  if (auto ok = w.usable(); !ok) return std::unexpected(ok.error());
  pid child = sys.spawn<detail::start_host<T>>(w.config(o), std::forward<Args>(args)...);
  return w.wait(child, o.timeout);
}

/// As above, with default options (no name, 5 s).
template <class T, class... Args>
  requires(!detail::first_is_options<Args...>)
[[nodiscard]] result<pid> start(actor_system& sys, Args&&... args) {
  return start<T>(sys, start_options{}, std::forward<Args>(args)...);
}

/// Starts a `T` linked to `self` without waiting; `self` receives a `started_msg` whose `ref`
/// is the ticket's `ack` once init has run.
template <class T, class... Args>
start_ticket start_link(actor& self, const start_options& o, Args&&... args) {
  std::uint64_t ack = self.system().make_ref();
  pid child = self.spawn_link<detail::start_host<T>>(detail::start_config{o.name, self.self(), ack},
                                                         std::forward<Args>(args)...);
  return {child, child ? ack : 0};
}

}  // namespace troupe
