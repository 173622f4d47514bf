#pragma once
/// @file
/// `tasks::async_stream`: map a function over a range with a bounded number of concurrent tasks
/// (Elixir's `Task.async_stream/3`). Included by task.hpp.
///
/// At most `max_concurrency` tasks run at once, each linked to the owner; when one ends, the next
/// input starts. Each input gets `timeout` from the moment its task starts. What a task that runs
/// longer does is `on_timeout`, as Elixir's option: `exit` (Elixir's default `:exit`) ends the
/// owner — it exits with `error: timeout: ...`, its running tasks are killed and nothing more
/// starts; `kill_task` (`:kill_task`) kills that task only, its input's result is `timeout`
/// (Elixir's `{:exit, :timeout}`) and the stream goes on. Results come in input order
/// (`ordered = true`, the default) or in completion order (`ordered = false`, which never holds
/// back a finished result behind a slow one). Unlike Elixir's lazy stream, the whole range is
/// consumed and the results are handed over together.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <ranges>
#include <string>
#include <thread>
#include <vector>

// g++ 12 warns that moving a std::expected may read an uninitialized value: a known false
// positive of that compiler, which every result<T> move in these templates would trigger.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace troupe {

/// What `async_stream` does when a task runs past its timeout (Elixir's `on_timeout`).
enum class stream_on_timeout : std::uint8_t {
  /// Elixir's default `:exit`: the owner exits with `error: timeout: ...`, taking its running
  /// tasks down. The blocking form then returns what it has: `timeout` for the late input,
  /// `exited` for every input not finished; the owner's `exited()` gives the reason. The
  /// non-blocking form never calls its continuation.
  exit,
  /// `:kill_task`: the late task is killed, its input's result is `timeout`, the others go on.
  kill_task,
};

struct stream_options {
  /// Tasks running at once (0 means one per hardware thread, as Elixir's default).
  std::size_t max_concurrency = 0;
  /// Results in input order; false gives them in the order the tasks finish.
  bool ordered = true;
  /// The longest one input's task may run.
  duration timeout = default_call_timeout;
  /// What a task past `timeout` does; Elixir's default ends the owner.
  stream_on_timeout on_timeout = stream_on_timeout::exit;
};

namespace detail {

/// The reason an owner exits with under `stream_on_timeout::exit` (Elixir exits with
/// `{:timeout, {Task.Supervised, :stream, [timeout]}}`).
inline exit_reason stream_timeout_reason(duration timeout) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count();
  return exit_reason::error("timeout: an async_stream task ran past its " + std::to_string(ms) + " ms");
}

inline std::size_t concurrency_of(const stream_options& o) {
  return o.max_concurrency ? o.max_concurrency : std::max(1u, std::thread::hardware_concurrency());
}

/// The results of a stream so far, placed by input order or by completion order.
template <class R>
struct stream_results {
  explicit stream_results(std::size_t n, bool ordered) : slots(n), ordered(ordered) {}
  void put(std::size_t index, result<R> r) { slots[ordered ? index : done] = std::move(r); ++done; }
  std::vector<std::optional<result<R>>> slots;
  bool ordered;
  std::size_t done = 0;
};

}  // namespace detail

namespace tasks {

/// Blocking form: returns once every input has a result.
template <std::ranges::input_range Range, class F>
auto async_stream(scoped_actor& owner, Range&& inputs, F f, stream_options opts = {}) {
  using E = std::ranges::range_value_t<Range>;
  using R = std::invoke_result_t<F&, E&>;
  std::vector<E> items(std::ranges::begin(inputs), std::ranges::end(inputs));
  detail::stream_results<R> results(items.size(), opts.ordered);
  struct running {
    std::size_t index;
    task<R> t;
    std::chrono::steady_clock::time_point deadline;
  };
  std::vector<running> live;
  std::vector<ref_id> refs;
  std::size_t next = 0;
  const std::size_t limit = detail::concurrency_of(opts);
  while (next < items.size() || !live.empty()) {
    for (; live.size() < limit && next < items.size(); ++next) {
      auto t = async(owner, [f, x = std::move(items[next])]() mutable { return f(x); });
      live.push_back({next, t, std::chrono::steady_clock::now() + opts.timeout});
    }
    refs.clear();
    for (auto& r : live) refs.push_back(r.t.monitor_ref());
    auto earliest = std::min_element(live.begin(), live.end(), [](auto& a, auto& b) { return a.deadline < b.deadline; });
    auto down = detail::wait_any_down(*owner, refs, earliest->deadline - std::chrono::steady_clock::now());
    if (!down && owner->exited()) {
      // A crashing task took the owner down through its link: the stream ends here.
      for (auto& r : live) results.put(r.index, detail::take_outcome(r.t));
      for (; next < items.size(); ++next) results.put(next, fail(errc::exited, "the stream's owner exited"));
      break;
    }
    if (down) {
      auto done = std::find_if(live.begin(), live.end(), [&](auto& r) { return r.t.monitor_ref() == down->ref; });
      results.put(done->index, detail::take_outcome(done->t));
      live.erase(done);
      continue;
    }
    const auto now = std::chrono::steady_clock::now();
    if (opts.on_timeout == stream_on_timeout::exit) {
      // Elixir's :exit: the owner exits and its tasks go with it; nothing more starts.
      for (auto& r : live) {
        detail::abandon_task(*owner, r.t.id(), r.t.monitor_ref());
        results.put(r.index, r.deadline <= now ? result<R>(std::unexpected(detail::task_timeout_error(r.t.id())))
                                               : fail(errc::exited, "the stream's owner exited on a timeout"));
      }
      for (; next < items.size(); ++next) results.put(next, fail(errc::exited, "the stream's owner exited on a timeout"));
      owner->stop(detail::stream_timeout_reason(opts.timeout));
      owner->receive_if([](const envelope&) { return false; }, duration::zero());  // the exit takes effect now
      break;
    }
    std::erase_if(live, [&](running& r) {
      if (r.deadline > now) return false;
      detail::abandon_task(*owner, r.t.id(), r.t.monitor_ref());
      results.put(r.index, std::unexpected(detail::task_timeout_error(r.t.id())));
      return true;
    });
  }
  return detail::unwrap_all(results.slots);
}

/// Non-blocking form: `k(std::vector<result<R>>)` runs in `self` once every input has a result.
template <std::ranges::input_range Range, class F, class K>
void async_stream(actor& self, Range&& inputs, F f, stream_options opts, K k) {
  using E = std::ranges::range_value_t<Range>;
  using R = std::invoke_result_t<F&, E&>;
  struct state {
    std::vector<E> items;
    F f;
    detail::stream_results<R> results;
    std::size_t next = 0;
    K k;
    actor* self;
    duration timeout;
    stream_on_timeout on_timeout;
    bool gave_up = false;  // on_timeout exit: the owner is exiting, nothing more is done
    /// Starts the next input; its continuation starts the one after, so `limit` chains run.
    void start_next(const std::shared_ptr<state>& me) {
      if (next == items.size()) return;
      std::size_t index = next++;
      auto t = async(*self, [f = f, x = std::move(items[index])]() mutable { return f(x); });
      await(*self, t, timeout, [me, index](result<R> r) {
        if (me->gave_up) return;
        if (!r && r.error().code() == errc::timeout && me->on_timeout == stream_on_timeout::exit) {
          me->gave_up = true;  // the owner exits; its linked tasks go down with it
          return me->self->stop(detail::stream_timeout_reason(me->timeout));
        }
        me->results.put(index, std::move(r));
        if (me->results.done == me->items.size()) return me->k(detail::unwrap_all(me->results.slots));
        me->start_next(me);
      });
    }
  };
  std::vector<E> items(std::ranges::begin(inputs), std::ranges::end(inputs));
  const auto n = items.size();
  auto st = std::make_shared<state>(state{std::move(items), std::move(f), detail::stream_results<R>(n, opts.ordered), 0,
                                          std::move(k), &self, opts.timeout, opts.on_timeout});
  if (n == 0) return st->k(std::vector<result<R>>{});
  for (std::size_t i = 0, limit = detail::concurrency_of(opts); i < limit; ++i) st->start_next(st);
}

}  // namespace tasks
}  // namespace troupe

#pragma GCC diagnostic pop
