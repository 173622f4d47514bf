#pragma once
/// @file
/// `task_supervisor`: a supervisor for tasks (Elixir's Task.Supervisor). Its children are
/// temporary — never restarted — and linked to it, not to whoever asked for them.
///
/// | Elixir                                    | plain thread (blocks)                         | inside an actor (continuation `k`)          |
/// |-------------------------------------------|-----------------------------------------------|---------------------------------------------|
/// | `Task.Supervisor.start_link()`            | `task_supervisor::start(sys)`                 | `task_supervisor::start_link(self)`         |
/// | `Task.Supervisor.start_child(s, fun)`     | `task_supervisor::start_child(sys, s, f)`     | `task_supervisor::start_child(self, s, f, t, k)` |
/// | `Task.Supervisor.async_nolink(s, fun)`    | `task_supervisor::async_nolink(owner, s, f)`  | `task_supervisor::async_nolink(self, s, f, t, k)` |
/// | `Task.Supervisor.children(s)` (count)     | `task_supervisor::count_children(sys, s)`     | —                                           |
///
/// - `start_child` is fire and forget: the child runs `f()` and its outcome is dropped.
/// - `async_nolink` gives a `task<T>` that the caller awaits with `tasks::await`/`yield` (see
///   task.hpp). The caller monitors the task but is not linked to it: a crashing task does not
///   take the caller down; the caller's await gives `exited` with the reason instead.
/// - When the supervisor stops, it sends `shutdown` to every child still running. Started with
///   `start_link`, it stops when its parent exits.
///
/// User code / generic engine: the caller's closure travels to the supervisor inside a local
/// message (`task_sup_start`), which spawns the child linked to itself and answers with its pid.
/// The supervisor traps exits so a child's death is only bookkeeping.

#include <functional>
#include <unordered_set>

#include "troupe/node/behaviour/task.hpp"

namespace troupe::detail {
/// Spawn a child, linked to the supervisor; answered with `task_sup_started`.
struct task_sup_start {
  std::move_only_function<pid(actor& supervisor)> spawn;
};
struct task_sup_started {
  pid child;
};
/// How many children are running; answered with `task_sup_count`.
struct task_sup_count_children {};
struct task_sup_count {
  std::size_t children = 0;
};
}  // namespace troupe::detail

TROUPE_LOCAL_MESSAGE(troupe::detail::task_sup_start, "troupe.task_sup.start");
TROUPE_LOCAL_MESSAGE(troupe::detail::task_sup_started, "troupe.task_sup.started");
TROUPE_LOCAL_MESSAGE(troupe::detail::task_sup_count_children, "troupe.task_sup.count_children");
TROUPE_LOCAL_MESSAGE(troupe::detail::task_sup_count, "troupe.task_sup.count");

namespace troupe {

class task_supervisor final : public actor {
 public:
  /// Starts an unlinked task supervisor.
  static pid start(actor_system& sys) { return sys.spawn<task_supervisor>(); }
  /// Starts a task supervisor linked to `parent`.
  static pid start_link(actor& parent) { return parent.spawn_link<task_supervisor>(); }

  // --- blocking (non-actor threads) ----------------------------------------------------------
  /// Runs `f()` in a new child; gives its pid once started.
  template <std::invocable F>
  static result<pid> start_child(actor_system& sys, const pid& sup, F f, duration timeout = default_call_timeout) {
    auto r = call<detail::task_sup_started>(sys, sup, child_request(std::move(f)), timeout);
    if (!r) return std::unexpected(r.error());
    return r->child;
  }
  /// Runs `f()` in a new child monitored by (not linked to) `owner`.
  template <std::invocable F>
  static auto async_nolink(scoped_actor& owner, const pid& sup, F f, duration timeout = default_call_timeout)
      -> result<task<detail::task_result_t<F>>> {
    using R = detail::task_result_t<F>;
    auto slot = std::make_shared<detail::task_slot<R>>();
    auto r = call<detail::task_sup_started>(owner->system(), sup, task_request(std::move(f), slot), timeout);
    if (!r) return std::unexpected(r.error());
    // A task that already ended gives DOWN(noproc) here, and its outcome is in the slot anyway.
    return task<R>(r->child, owner->monitor(r->child), std::move(slot));
  }
  static result<std::size_t> count_children(actor_system& sys, const pid& sup, duration timeout = default_call_timeout);

  // --- non-blocking (inside an actor) --------------------------------------------------------
  /// `k(result<pid>)` once the child is started.
  template <std::invocable F, class K>
  static void start_child(actor& self, const pid& sup, F f, duration timeout, K k) {
    self.request<detail::task_sup_started>(sup, child_request(std::move(f)), timeout,
                                           [k = std::move(k)](result<detail::task_sup_started> r) mutable {
                                             k(r ? result<pid>(r->child) : result<pid>(std::unexpected(r.error())));
                                           });
  }
  /// `k(result<task<R>>)` once the child is started; then await it with `tasks::await(self, ...)`.
  template <std::invocable F, class K>
  static void async_nolink(actor& self, const pid& sup, F f, duration timeout, K k) {
    using R = detail::task_result_t<F>;
    auto slot = std::make_shared<detail::task_slot<R>>();
    self.request<detail::task_sup_started>(
        sup, task_request(std::move(f), slot), timeout,
        [slot, k = std::move(k)](result<detail::task_sup_started> r) mutable {
          if (!r) return k(result<task<R>>(std::unexpected(r.error())));
          k(result<task<R>>(task<R>(r->child, 0, slot)));
        });
  }

 protected:
  behavior make_behavior() override;
  void on_exit(const exit_reason& reason) override;

 private:
  template <class F>
  static detail::task_sup_start child_request(F f) {
    return {[f = std::move(f)](actor& sup) mutable {
      return sup.spawn_link<task_process<void>>(
          std::move_only_function<void()>([f = std::move(f)]() mutable { (void)f(); }), nullptr);
    }};
  }
  template <class F, class R>
  static detail::task_sup_start task_request(F f, std::shared_ptr<detail::task_slot<R>> slot) {
    return {[f = std::move(f), slot = std::move(slot)](actor& sup) mutable {
      return sup.spawn_link<task_process<R>>(std::move_only_function<R()>(std::move(f)), std::move(slot));
    }};
  }

  detail::task_sup_started on_start_child(detail::task_sup_start& s);
  void on_exit_msg(const exit_msg& m);

  /// @note Owning actor only.
  std::unordered_set<pid> children_;
};

}  // namespace troupe
