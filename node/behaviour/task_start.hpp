#pragma once
/// @file
/// Tasks nobody awaits (Elixir's `Task.start/1`, `Task.start_link/1`) and letting go of an
/// awaited one (`Task.ignore/1`). Included by task.hpp.
///
/// | Elixir                | Troupe                                                          |
/// |-----------------------|-----------------------------------------------------------------|
/// | `Task.start(fun)`     | `tasks::start(sys_or_self, f)` → pid: unlinked, outcome dropped |
/// | `Task.start_link(fun)`| `tasks::start_link(self, f)` → pid: linked to `self`            |
/// | `Task.ignore(task)`   | `tasks::ignore(owner, t)` → the outcome so far, or nothing      |
///
/// `start` is for side effects only: nobody can await the task and its crash reaches no one
/// (it is logged like any process's). `start_link` is the form for a supervision tree
/// (`child_spec::actor_of` takes a plain actor; a function child is started with this): the task
/// is linked to `self`, so its crash takes a non-trapping `self` down.

#include <optional>

#include "troupe/node/behaviour/task.hpp"
#include "troupe/node/behaviour/task_process.hpp"

namespace troupe::tasks {

/// Runs `f()` in a new process linked to no one (Elixir Task.start/1). Null while shutting down.
template <std::invocable F>
pid start(actor_system& sys, F f) {
  using R = std::invoke_result_t<F&>;
  return sys.spawn<task_process<R>>(std::move_only_function<R()>(std::move(f)), nullptr);
}
/// The same from inside a process (the task's parent is `self`, but they are not linked).
template <std::invocable F>
pid start(actor& self, F f) {
  using R = std::invoke_result_t<F&>;
  return self.spawn<task_process<R>>(std::move_only_function<R()>(std::move(f)), nullptr);
}
/// Runs `f()` in a new process linked to `self` (Elixir Task.start_link/1).
template <std::invocable F>
pid start_link(actor& self, F f) {
  using R = std::invoke_result_t<F&>;
  return self.spawn_link<task_process<R>>(std::move_only_function<R()>(std::move(f)), nullptr);
}

/// Lets go of `t` (Elixir Task.ignore/1): unlinks it and drops the owner's monitor (with any
/// DOWN already queued), so the task runs on but can no longer be awaited, yielded or shut
/// down, and its crash no longer reaches the owner. Returns its value if its function had
/// returned, its exit as an error if it had died, and nothing if it is still running.
template <class T>
std::optional<result<T>> ignore(actor& owner, const task<T>& t) {
  owner.unlink(t.id());
  if (t.monitor_ref()) owner.demonitor(t.monitor_ref());
  {
    std::lock_guard lock(t.slot()->mutex);
    if (!t.slot()->value && !t.slot()->reason) return std::nullopt;
  }
  return detail::take_outcome(t);
}
template <class T>
std::optional<result<T>> ignore(scoped_actor& owner, const task<T>& t) {
  return ignore(*owner, t);
}

}  // namespace troupe::tasks
