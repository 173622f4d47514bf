#pragma once
/// @file
/// `agent<State>`: a process that holds a state of any C++ type, read and changed only through
/// functions sent to it (Elixir's Agent). One function runs at a time, in the agent process, so
/// the state needs no lock.
///
/// ```
/// auto cache = troupe::agent<config>::start(system, [] { return config::load(); });  // blocking
/// auto port  = cache->get(system, [](const config& c) { return c.port; });           // result<int>
/// cache->update(system, [](config& c) { c.port = 8080; });                            // result<void>
/// cache->cast(system, [](config& c) { ++c.reloads; });                                // no wait
/// cache->stop(system);
/// ```
///
/// | Elixir                               | Troupe (non-actor thread)           | Troupe (inside an actor)                   |
/// |--------------------------------------|-------------------------------------|--------------------------------------------|
/// | `Agent.start(fun)`                   | `agent<S>::start(sys, init)`        | `agent<S>::start(self, init)`              |
/// | `Agent.start_link(fun)`              | — (a thread has no links)           | `agent<S>::start_link(self, init)`         |
/// | `Agent.get(a, fun, timeout)`         | `a.get(sys, f, timeout)`            | `a.get(self, f, timeout, k)`               |
/// | `Agent.update(a, fun, timeout)`      | `a.update(sys, f, timeout)`         | `a.update(self, f, timeout, k)`            |
/// | `Agent.get_and_update(a, fun, t)`    | `a.get_and_update(sys, f, timeout)` | `a.get_and_update(self, f, timeout, k)`    |
/// | `Agent.cast(a, fun)`                 | `a.cast(sys, f)`                    | `a.cast(self, f)`                          |
/// | `Agent.stop(a, reason, timeout)`     | `a.stop(sys, reason, timeout)`      | `a.stop(self, reason, timeout, k)`         |
///
/// The functions, in C++ form:
/// - `init: () -> State`, run in the new process before it handles anything;
/// - `get: (const State&) -> R`;
/// - `update: (State&) -> void` changes the state in place, or `(const State&) -> State` replaces it;
/// - `get_and_update: (State&) -> R` changes the state in place and returns the answer (Elixir's
///   `{answer, new_state}` pair, without copying the state);
/// - `cast`: as update, answered by nobody.
///
/// Blocking or not. The overloads taking an `actor_system&` block the calling thread until the
/// answer or the timeout (as `troupe::call`), so they are for threads outside the actor world;
/// called from a scheduler thread they fail with `invalid_argument` rather than deadlock. The
/// overloads taking `actor& self` never block: they return at once, and the continuation
/// `k(result<R>)` runs later in `self`, like any handler (built on `actor::request`).
///
/// Errors: `timeout` (the function may still run later, as in Elixir), `noproc` (no such
/// agent), `exited` (the agent died first — e.g. the function threw, which crashes the agent
/// as it would crash an Elixir Agent), `invalid_argument` (the handle's State is not the agent's).
///
/// Agents are local-only: their messages are C++ closures (`TROUPE_LOCAL_MESSAGE`), which cannot
/// cross the wire. To share state across nodes, use a GenServer with wire messages.

#include <concepts>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "troupe/node/behaviour/agent_process.hpp"
#include "troupe/node/call.hpp"
#include "troupe/node/name_service.hpp"
#include "troupe/node/scoped_actor.hpp"

namespace troupe {

struct agent_options {
  /// Registers the agent under this name before its init runs (Elixir's `name:` option);
  /// `name_taken` if the name is held.
  std::optional<via> name;
  /// How long a blocking start waits for init; the agent is killed if init takes longer.
  duration timeout = default_call_timeout;
};

namespace detail {
/// Registers the name (if any), then waits for `p`'s `agent_started` or its DOWN (monitor `mon`).
/// Kills `p` on failure.
result<void> finish_agent_start(actor_system& sys, blocking_actor& waiter, const pid& p, ref_id mon,
                                const agent_options& opts);
/// Sends `agent_stop{reason}` to `p` and waits for it to exit with that reason.
result<void> stop_agent(actor_system& sys, const pid& p, exit_reason reason, duration timeout);
/// The error for a closure sent to an agent of another state type.
error agent_wrong_type(const pid& p);
/// Registers `p` under `name` from inside `self`; unlinks and kills `p` if the name is taken.
result<void> name_agent(actor& self, const pid& p, const via& name);
}  // namespace detail

template <class State>
class agent {
 public:
  /// A handle on an agent already running with state `State` (a wrong State gives
  /// `invalid_argument` on each call rather than undefined behaviour).
  explicit agent(pid p) : pid_(p) {}
  [[nodiscard]] pid id() const noexcept { return pid_; }

  // --- start --------------------------------------------------------------------------------
  /// Starts an agent, unlinked, and waits for `init` to return. `init_failed` if it threw;
  /// `timeout` if it took longer than `opts.timeout`. Non-actor threads only.
  template <std::invocable Init>
  [[nodiscard]] static result<agent> start(actor_system& sys, Init init, agent_options opts = {}) {
    if (sys.executor().on_worker_thread())
      return fail(errc::invalid_argument, "blocking agent start from a scheduler thread; start it from the actor");
    scoped_actor waiter(sys);
    // Monitored from birth, so an init that fails at once is seen with its reason, not noproc.
    auto [p, mon] = waiter->spawn_monitor<agent_process<State>>(erase_init(std::move(init)), waiter.self());
    if (!p) return fail(errc::shutting_down, "the node is shutting down");
    auto r = detail::finish_agent_start(sys, *waiter, p, mon, opts);
    if (!r) return std::unexpected(r.error());
    return agent(p);
  }
  /// Starts an agent linked to `self` without waiting: `init` runs in the agent's first turn,
  /// before any request reaches it; if it throws, the agent dies and the link carries the reason
  /// to `self` (an exit signal, as Elixir's start_link). Fails only if `name` is taken.
  template <std::invocable Init>
  [[nodiscard]] static result<agent> start_link(actor& self, Init init, std::optional<via> name = {}) {
    pid p = self.spawn_link<agent_process<State>>(erase_init(std::move(init)), pid{});
    if (name) {
      if (auto r = detail::name_agent(self, p, *name); !r) return std::unexpected(r.error());
    }
    return agent(p);
  }
  /// As `start_link`, unlinked: an init failure is seen only by the first request (`exited`).
  template <std::invocable Init>
  [[nodiscard]] static agent start(actor& self, Init init) {
    return agent(self.spawn<agent_process<State>>(erase_init(std::move(init)), pid{}));
  }

  // --- blocking (non-actor threads) ----------------------------------------------------------
  template <std::invocable<const State&> F>
  auto get(actor_system& sys, F f, duration timeout = default_call_timeout) const {
    using R = std::invoke_result_t<F&, const State&>;
    return unwrap<R>(call<detail::agent_reply>(sys, pid_, make_get(std::move(f)), timeout));
  }
  template <class F>
  result<void> update(actor_system& sys, F f, duration timeout = default_call_timeout) const {
    return unwrap<void>(call<detail::agent_reply>(sys, pid_, make_update(std::move(f)), timeout));
  }
  template <std::invocable<State&> F>
  auto get_and_update(actor_system& sys, F f, duration timeout = default_call_timeout) const {
    using R = std::invoke_result_t<F&, State&>;
    return unwrap<R>(call<detail::agent_reply>(sys, pid_, make_get_and_update(std::move(f)), timeout));
  }
  /// Stops the agent with `reason` and waits until it has exited. `exited` if it died of
  /// something else first, `noproc` if it was not running.
  result<void> stop(actor_system& sys, exit_reason reason = exit_reason::normal(),
                    duration timeout = default_call_timeout) const {
    return detail::stop_agent(sys, pid_, std::move(reason), timeout);
  }

  // --- non-blocking (inside an actor): `k(result<...>)` runs later in `self` -----------------
  template <std::invocable<const State&> F, class K>
  void get(actor& self, F f, duration timeout, K k) const {
    using R = std::invoke_result_t<F&, const State&>;
    request<R>(self, make_get(std::move(f)), timeout, std::move(k));
  }
  template <class F, class K>
  void update(actor& self, F f, duration timeout, K k) const {
    request<void>(self, make_update(std::move(f)), timeout, std::move(k));
  }
  template <std::invocable<State&> F, class K>
  void get_and_update(actor& self, F f, duration timeout, K k) const {
    using R = std::invoke_result_t<F&, State&>;
    request<R>(self, make_get_and_update(std::move(f)), timeout, std::move(k));
  }
  /// Asks the agent to stop with `reason`; `k(result<void>)` runs once it has ended (its
  /// terminate step has run; its pid leaves the process table an instant later).
  template <class K>
  void stop(actor& self, exit_reason reason, duration timeout, K k) const {
    self.request<detail::agent_stopped>(pid_, detail::agent_stop{std::move(reason)}, timeout,
                                        [k = std::move(k)](result<detail::agent_stopped> r) mutable {
                                          k(r ? result<void>() : result<void>(std::unexpected(r.error())));
                                        });
  }

  // --- fire and forget ------------------------------------------------------------------------
  template <class F>
  void cast(actor_system& sys, F f) const {
    sys.send(pid_, detail::agent_cast{&typeid(State), erase_update(std::move(f))});
  }
  template <class F>
  void cast(actor& self, F f) const {
    self.send(pid_, detail::agent_cast{&typeid(State), erase_update(std::move(f))});
  }

 private:
  template <class Init>
  static std::move_only_function<State()> erase_init(Init init) {
    return [init = std::move(init)]() mutable -> State { return init(); };
  }

  /// `f` applied as an update: in place if it returns void, else its result replaces the state.
  template <class F>
  static std::move_only_function<void(void*)> erase_update(F f) {
    return [f = std::move(f)](void* s) mutable {
      auto& state = *static_cast<State*>(s);
      if constexpr (std::is_void_v<std::invoke_result_t<F&, State&>>) {
        f(state);
      } else {
        state = f(std::as_const(state));
      }
    };
  }

  template <class F>
  static detail::agent_call make_get(F f) {
    return {&typeid(State), [f = std::move(f)](void* s) mutable -> std::shared_ptr<void> {
              using R = std::invoke_result_t<F&, const State&>;
              return std::make_shared<R>(f(std::as_const(*static_cast<State*>(s))));
            }};
  }
  template <class F>
  static detail::agent_call make_update(F f) {
    return {&typeid(State), [u = erase_update(std::move(f))](void* s) mutable -> std::shared_ptr<void> {
              u(s);
              return nullptr;
            }};
  }
  template <class F>
  static detail::agent_call make_get_and_update(F f) {
    return {&typeid(State), [f = std::move(f)](void* s) mutable -> std::shared_ptr<void> {
              using R = std::invoke_result_t<F&, State&>;
              if constexpr (std::is_void_v<R>) {
                f(*static_cast<State*>(s));
                return nullptr;
              } else {
                return std::make_shared<R>(f(*static_cast<State*>(s)));
              }
            }};
  }

  /// The typed answer inside a reply.
  template <class R>
  result<R> unwrap(result<detail::agent_reply> r) const {
    if (!r) return std::unexpected(r.error());
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // g++ 12 loses track of std::expected's active member
    const bool wrong_type = r->wrong_type;
#pragma GCC diagnostic pop
    if (wrong_type) return std::unexpected(detail::agent_wrong_type(pid_));
    if constexpr (std::is_void_v<R>) {
      return {};
    } else {
      return std::move(*static_cast<R*>(r->value.get()));
    }
  }

  template <class R, class K>
  void request(actor& self, detail::agent_call c, duration timeout, K k) const {
    self.request<detail::agent_reply>(pid_, std::move(c), timeout,
                                      [me = *this, k = std::move(k)](result<detail::agent_reply> r) mutable {
                                        k(me.template unwrap<R>(std::move(r)));
                                      });
  }

  pid pid_;
};

}  // namespace troupe
