#pragma once
/// @file
/// `child_spec`: how a supervisor starts, restarts and stops one child (OTP's child
/// specification map: id, start, restart, shutdown, type).
///
/// ```
/// child_spec::worker<counter>("counter", 0)                       // a gen_server, permanent
/// child_spec::worker<cache>("cache").with_restart(restart_type::transient)
/// child_spec::supervisor("workers", supervisor_flags{...}, {children...})   // a nested tree
/// child_spec::actor_of<plain_actor>("logger")                      // any actor; started when spawned
/// ```

#include <functional>
#include <string>
#include <vector>

#include "troupe/node/actor.hpp"
#include "troupe/node/behaviour/start_link.hpp"

namespace troupe {

/// When a child that exited is restarted (OTP restart values).
enum class restart_type {
  /// Always.
  permanent,
  /// Only after an abnormal exit (not normal, not shutdown with or without detail).
  transient,
  /// Never; its spec is removed when it exits or is terminated.
  temporary,
};

enum class child_type { worker, supervisor };

/// How a supervisor stops a child: `exit(child, shutdown)` then, after `timeout`, `exit(child,
/// kill)`; or `kill` at once (brutal_kill); or wait as long as it takes (infinity, the default
/// for supervisors, which need the time to stop their own children).
struct shutdown_policy {
  enum class kind { timeout, brutal_kill, infinity };
  kind how = kind::timeout;
  duration after = std::chrono::seconds(5);

  static shutdown_policy timeout(duration d) { return {kind::timeout, d}; }
  static shutdown_policy brutal_kill() { return {kind::brutal_kill, {}}; }
  static shutdown_policy infinity() { return {kind::infinity, {}}; }
};

struct child_spec {
  /// Unique among the supervisor's children (unused by a dynamic_supervisor).
  std::string id;
  /// Starts the child linked to the supervisor, without blocking (see start_link.hpp). A ticket
  /// with `ack == 0` means the child counts as started once spawned.
  std::function<start_ticket(troupe::actor& supervisor)> start;
  restart_type restart = restart_type::permanent;
  shutdown_policy shutdown = shutdown_policy::timeout(std::chrono::seconds(5));
  child_type type = child_type::worker;
  /// OTP `significant` (OTP 24): this child's own exit may end the supervisor, as its
  /// `supervisor_flags::auto_shutdown` says. Only for transient and temporary children, and only
  /// under a supervisor whose auto_shutdown is not `never`; otherwise the spec is refused.
  bool significant = false;

  child_spec with_restart(restart_type r) && { restart = r; return std::move(*this); }
  child_spec with_shutdown(shutdown_policy s) && { shutdown = s; return std::move(*this); }
  child_spec with_significant(bool s = true) && { significant = s; return std::move(*this); }

  /// A gen_server `T` built from copies of `args` on every (re)start.
  template <class T, class... Args>
  static child_spec worker(std::string id, Args... args) {
    return child_spec{std::move(id), [=](troupe::actor& sup) { return start_link<T>(sup, start_options{}, args...); }};
  }
  /// As `worker`, registered under `opts.name` on every start.
  template <class T, class... Args>
  static child_spec named_worker(std::string id, start_options opts, Args... args) {
    return child_spec{std::move(id), [=](troupe::actor& sup) { return start_link<T>(sup, opts, args...); }};
  }
  /// A plain actor `A` (no init acknowledgement: it counts as started once spawned).
  template <class A, class... Args>
  static child_spec actor_of(std::string id, Args... args) {
    return child_spec{std::move(id), [=](troupe::actor& sup) { return start_ticket{sup.spawn_link<A>(args...), 0}; }};
  }
  /// A supervisor-type child `T` (e.g. `supervisor` itself): shutdown infinity.
  template <class T, class... Args>
  static child_spec supervisor_of(std::string id, Args... args) {
    auto s = worker<T>(std::move(id), std::move(args)...);
    s.shutdown = shutdown_policy::infinity();
    s.type = child_type::supervisor;
    return s;
  }
};

}  // namespace troupe
