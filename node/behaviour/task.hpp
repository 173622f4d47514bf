#pragma once
/// @file
/// `task<T>` and `tasks::`: run one function in a process of its own and collect its result
/// later (Elixir's Task).
///
/// ```
/// troupe::scoped_actor self(system);                       // a plain thread's process
/// auto t = troupe::tasks::async(self, [] { return fetch_price("ACME"); });
/// result<double> price = troupe::tasks::await(self, t, 2s);  // blocks this thread
/// ```
/// and inside an actor, where nothing may block:
/// ```
/// auto t = troupe::tasks::async(*this, [] { return fetch_price("ACME"); });
/// troupe::tasks::await(*this, t, 2s, [this](result<double> p) { ... });  // runs later, in this actor
/// ```
///
/// | Elixir                          | plain thread (`scoped_actor& owner`, blocks) | inside an actor (`actor& self`, continuation) |
/// |---------------------------------|----------------------------------------------|-----------------------------------------------|
/// | `Task.async(fun)`               | `tasks::async(owner, f)`                     | `tasks::async(self, f)`                       |
/// | `Task.await(t, timeout)`        | `tasks::await(owner, t, timeout)`            | `tasks::await(self, t, timeout, k)`           |
/// | `Task.yield(t, timeout)`        | `tasks::yield(owner, t, timeout)`            | `tasks::yield(self, t, timeout, k)`           |
/// | `Task.await_many(ts, timeout)`  | `tasks::await_many(owner, ts, timeout)`      | `tasks::await_many(self, ts, timeout, k)`     |
/// | `Task.shutdown(t, timeout)`     | `tasks::shutdown(owner, t, timeout)`         | `tasks::shutdown(self, t, timeout, k)`        |
/// | `Task.async_stream(xs, f, o)`   | `tasks::async_stream(owner, xs, f, o)`       | `tasks::async_stream(self, xs, f, o, k)`      |
/// | `Task.start`, `start_link`, `ignore` | see task_start.hpp                      |                                               |
///
/// Semantics, as Elixir's unless noted:
/// - `async` spawns the task linked to its owner: a task that crashes takes a non-trapping owner
///   down with it (a scoped owner's blocking wait then returns `exited`, and `owner->exited()`
///   holds the reason). A task is owned by the process that started it; only that owner awaits it.
/// - `await` gives the value, `exited` with the task's exit reason, or `timeout`. Unlike Elixir,
///   a timeout does not exit the caller: it returns the error and kills the task (unlinked
///   first, so the kill does not come back). A task is awaited once.
/// - `yield` gives nothing (`std::nullopt`) on timeout and the task keeps running; a later
///   `yield` or `await` still gets its result (it is never lost to a timed-out wait).
/// - `await_many` waits for all within one timeout and gives one result per task, in order; the
///   tasks still running at the deadline are killed and give `timeout` (Elixir exits instead).
/// - `shutdown` unlinks and stops the task (`shutdown`, then `kill` after the timeout). It gives
///   the value if the task had finished, the error if it died of something else, `std::nullopt`
///   if it was shut down.
/// - Continuations (`k`) run in `self`, like handlers, and must be copyable. The blocking forms
///   are for threads outside the actor world (tests, tools, main) and block only that thread.
///
/// A task's function runs on a scheduler thread until it returns: C++ cannot preempt it, so a
/// kill or shutdown takes effect when it returns. Tasks are local-only (their functions are
/// C++ closures); see `task_process` for how results travel.

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

#include "troupe/node/behaviour/task_process.hpp"
#include "troupe/node/call.hpp"
#include "troupe/node/scoped_actor.hpp"

// g++ 12 warns that moving a std::expected may read an uninitialized value: a known false
// positive of that compiler, which every result<T> move in these templates would trigger.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace troupe {

/// A running (or finished) task: its process, and where its outcome will be.
template <class T>
class task {
 public:
  using value_type = T;
  task(pid p, ref_id monitor, std::shared_ptr<detail::task_slot<T>> slot)
      : pid_(p), monitor_(monitor), slot_(std::move(slot)) {}

  [[nodiscard]] pid id() const noexcept { return pid_; }
  /// The owner's monitor on the task; 0 when the owner is an actor (its waits monitor instead).
  [[nodiscard]] ref_id monitor_ref() const noexcept { return monitor_; }
  [[nodiscard]] const std::shared_ptr<detail::task_slot<T>>& slot() const noexcept { return slot_; }

 private:
  pid pid_;
  ref_id monitor_ = 0;
  std::shared_ptr<detail::task_slot<T>> slot_;
};

namespace detail {

/// Waits up to `timeout` for the DOWN of monitor `ref`.
std::optional<down_msg> wait_down(blocking_actor& owner, ref_id ref, duration timeout);
/// Waits up to `timeout` for the DOWN of any non-zero monitor in `refs`.
std::optional<down_msg> wait_any_down(blocking_actor& owner, const std::vector<ref_id>& refs, duration timeout);
/// Gives up on a task: unlinks it (so its death does not come back), forgets the monitor, kills it.
void abandon_task(actor& owner, const pid& task, ref_id monitor = 0);
/// `exited` (or `noproc`) for a task that ended with `reason`.
error task_exit_error(const pid& task, const exit_reason& reason);
error task_timeout_error(const pid& task);

/// The task's outcome: its value (moved out), or the reason it exited.
template <class T>
result<T> take_outcome(const task<T>& t) {
  std::lock_guard lock(t.slot()->mutex);
  if (t.slot()->value) {
    if constexpr (std::is_void_v<T>) {
      return {};
    } else {
      return std::move(*t.slot()->value);
    }
  }
  return std::unexpected(task_exit_error(t.id(), t.slot()->reason.value_or(exit_reason::noproc())));
}

/// After a shutdown: the value if it finished, nothing if the shutdown ended it, else the error.
template <class T>
std::optional<result<T>> shutdown_outcome(const task<T>& t) {
  {
    std::lock_guard lock(t.slot()->mutex);
    if (!t.slot()->value && t.slot()->reason) {
      auto k = t.slot()->reason->what();
      if (k == exit_reason::kind::shutdown || k == exit_reason::kind::killed) return std::nullopt;
    }
  }
  return take_outcome(t);
}

template <class T>
std::vector<result<T>> unwrap_all(std::vector<std::optional<result<T>>>& slots) {
  std::vector<result<T>> out;
  out.reserve(slots.size());
  for (auto& s : slots) out.push_back(std::move(*s));
  return out;
}

template <class F>
using task_result_t = std::invoke_result_t<std::decay_t<F>&>;

/// Spawns a task process for `f` with `spawn_link` from `owner`.
template <class F>
task<task_result_t<F>> spawn_task(actor& owner, F f, bool monitor) {
  using R = task_result_t<F>;
  auto slot = std::make_shared<task_slot<R>>();
  pid p = owner.spawn_link<task_process<R>>(std::move_only_function<R()>(std::move(f)), slot);
  if (!p) slot->reason = exit_reason::shutdown("the node is shutting down");
  ref_id mon = p && monitor ? owner.monitor(p) : 0;
  return task<R>(p, mon, std::move(slot));
}

}  // namespace detail

namespace tasks {

// --- plain threads: the owner is the thread's scoped_actor; every wait blocks this thread -------

/// Runs `f()` in a new process linked to (and monitored by) `owner`.
template <std::invocable F>
[[nodiscard]] auto async(scoped_actor& owner, F f) {
  return detail::spawn_task(*owner, std::move(f), true);
}

template <class T>
result<T> await(scoped_actor& owner, const task<T>& t, duration timeout = default_call_timeout) {
  if (!t.monitor_ref()) return fail(errc::invalid_argument, "task " + t.id().to_string() + " has another owner");
  if (detail::wait_down(*owner, t.monitor_ref(), timeout) || owner->exited()) return detail::take_outcome(t);
  detail::abandon_task(*owner, t.id(), t.monitor_ref());
  return std::unexpected(detail::task_timeout_error(t.id()));
}

template <class T>
std::optional<result<T>> yield(scoped_actor& owner, const task<T>& t, duration timeout) {
  if (!t.monitor_ref()) return fail(errc::invalid_argument, "task " + t.id().to_string() + " has another owner");
  if (detail::wait_down(*owner, t.monitor_ref(), timeout) || owner->exited()) return detail::take_outcome(t);
  return std::nullopt;
}

template <class T>
std::vector<result<T>> await_many(scoped_actor& owner, const std::vector<task<T>>& ts,
                                  duration timeout = default_call_timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<std::optional<result<T>>> out(ts.size());
  std::vector<ref_id> refs;
  for (auto& t : ts) refs.push_back(t.monitor_ref());
  for (std::size_t left = ts.size(); left > 0; --left) {
    auto down = detail::wait_any_down(*owner, refs, deadline - std::chrono::steady_clock::now());
    if (!down) break;
    auto i = static_cast<std::size_t>(std::find(refs.begin(), refs.end(), down->ref) - refs.begin());
    out[i] = detail::take_outcome(ts[i]);
    refs[i] = 0;
  }
  for (std::size_t i = 0; i < ts.size(); ++i) {
    if (out[i]) continue;
    if (owner->exited() || !ts[i].monitor_ref()) {
      out[i] = detail::take_outcome(ts[i]);
    } else {
      detail::abandon_task(*owner, ts[i].id(), ts[i].monitor_ref());
      out[i] = std::unexpected(detail::task_timeout_error(ts[i].id()));
    }
  }
  return detail::unwrap_all(out);
}

template <class T>
std::optional<result<T>> shutdown(scoped_actor& owner, const task<T>& t, duration timeout = default_call_timeout) {
  owner->unlink(t.id());
  owner->exit(t.id(), exit_reason::shutdown());
  if (!detail::wait_down(*owner, t.monitor_ref(), timeout)) {
    owner->exit(t.id(), exit_reason::kill());
    if (!detail::wait_down(*owner, t.monitor_ref(), timeout)) {
      owner->demonitor(t.monitor_ref());
      return std::nullopt;  // still inside its function: it dies when the function returns
    }
  }
  return detail::shutdown_outcome(t);
}

// --- inside an actor: nothing blocks; `k` runs later in `self` ----------------------------------

/// Runs `f()` in a new process linked to `self`.
template <std::invocable F>
[[nodiscard]] auto async(actor& self, F f) {
  return detail::spawn_task(self, std::move(f), false);
}

/// `k(result<T>)` once the task has ended, or with `timeout` (the task is then killed).
template <class T, class K>
void await(actor& self, const task<T>& t, duration timeout, K k) {
  actor* me = &self;
  self.request<detail::task_done>(t.id(), detail::task_await{}, timeout,
                                  [me, t, k = std::move(k)](result<detail::task_done> r) mutable {
                                    if (!r && r.error().code() == errc::timeout) {
                                      detail::abandon_task(*me, t.id());
                                      return k(result<T>(std::unexpected(detail::task_timeout_error(t.id()))));
                                    }
                                    k(detail::take_outcome(t));
                                  });
}

/// `k(std::optional<result<T>>)`: the outcome, or nothing if the task is still running at the
/// timeout (it keeps running).
template <class T, class K>
void yield(actor& self, const task<T>& t, duration timeout, K k) {
  self.request<detail::task_done>(t.id(), detail::task_await{}, timeout,
                                  [t, k = std::move(k)](result<detail::task_done> r) mutable {
                                    if (!r && r.error().code() == errc::timeout) return k(std::optional<result<T>>());
                                    k(std::optional<result<T>>(detail::take_outcome(t)));
                                  });
}

/// `k(std::vector<result<T>>)` once every task has ended or the timeout passed.
template <class T, class K>
void await_many(actor& self, const std::vector<task<T>>& ts, duration timeout, K k) {
  struct state {
    std::vector<std::optional<result<T>>> out;
    std::size_t left;
    K k;
  };
  auto st = std::make_shared<state>(state{std::vector<std::optional<result<T>>>(ts.size()), ts.size(), std::move(k)});
  if (ts.empty()) return st->k(std::vector<result<T>>{});
  for (std::size_t i = 0; i < ts.size(); ++i)
    await(self, ts[i], timeout, [st, i](result<T> r) {
      st->out[i] = std::move(r);
      if (--st->left == 0) st->k(detail::unwrap_all(st->out));
    });
}

/// `k(std::optional<result<T>>)` once the task is down (see the file comment for the outcome).
template <class T, class K>
void shutdown(actor& self, const task<T>& t, duration timeout, K k) {
  actor* me = &self;
  self.unlink(t.id());
  self.exit(t.id(), exit_reason::shutdown());
  self.request<detail::task_done>(t.id(), detail::task_await{}, timeout,
                                  [me, t, k = std::move(k)](result<detail::task_done> r) mutable {
                                    if (!r && r.error().code() == errc::timeout) {
                                      me->exit(t.id(), exit_reason::kill());
                                      return k(std::optional<result<T>>());
                                    }
                                    k(detail::shutdown_outcome(t));
                                  });
}

}  // namespace tasks
}  // namespace troupe

#pragma GCC diagnostic pop

#include "troupe/node/behaviour/task_start.hpp"
#include "troupe/node/behaviour/task_stream.hpp"
