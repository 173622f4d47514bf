#pragma once
/// @file
/// `worker_pool`: a fixed set of workers lent out one caller at a time, plus temporary overflow
/// workers under load (Erlang's poolboy).
///
/// ```
/// auto pool = start<worker_pool>(sys, worker_pool_options{.size = 5, .max_overflow = 2},
///                                child_spec::worker<db_connection>("", url));
/// auto w = worker_pool::checkout(sys, *pool, me.self(), 1s);    // result<pid>
/// ... call *w ...
/// worker_pool::checkin(sys, *pool, *w);
/// worker_pool::transaction(sys, *pool, me.self(), [&](const pid& w) { return call<row>(sys, w, q); });
/// ```
///
/// | poolboy                                | here                                                   |
/// |----------------------------------------|--------------------------------------------------------|
/// | `size`, `max_overflow`, `worker_module`| `worker_pool_options{size, max_overflow}` + a `child_spec` |
/// | `checkout(Pool, Block, Timeout)`       | `checkout(sys, pool, owner, timeout, block)`; in a process `checkout(self, pool, timeout, done)` |
/// | `checkin(Pool, Worker)`                | `checkin(sys | self, pool, worker)`                    |
/// | `transaction(Pool, Fun, Timeout)`      | `transaction(sys, pool, owner, f, timeout)`            |
/// | `status(Pool)`                         | `status(sys, pool)` → idle, overflow, checked out, waiting |
///
/// Engine (user code | pool):
/// ```
/// checkout ─► idle worker? lend it ─► else overflow room? start one and lend it
///          ─► else block? queue the caller until a checkin or its deadline (then `timeout`)
///          ─► else `overloaded` (poolboy's full)
/// checkin  ─► a caller waiting? lend to it ─► else an overflow worker? stop it ─► else idle
/// owner DOWN  ─► every worker it holds is checked in      worker EXIT ─► forgotten; replaced
///                                                          unless it was overflow
/// ```
/// The owner is the process that answers for the worker: `self` in a process; from a plain
/// thread, a process of the thread's (a `scoped_actor`), or a null pid for none (then only a
/// checkin returns the worker). Why explicit: a blocking call runs in a short-lived process of
/// its own, which would "die" — and hand the worker back — the moment the call returns.
///
/// Workers are linked to the pool; the pool traps exits and stops every worker when it stops.

#include <deque>
#include <functional>
#include <unordered_map>

#include "troupe/node/behaviour/child_spec.hpp"
#include "troupe/node/behaviour/gen_server.hpp"
#include "troupe/node/call.hpp"

namespace troupe {

struct worker_pool_options {
  std::size_t size = 5;
  std::size_t max_overflow = 10;
};

struct worker_pool_status {
  std::size_t idle = 0;
  std::size_t overflow = 0;
  std::size_t checked_out = 0;
  std::size_t waiting = 0;
};

class worker_pool : public gen_server {
 public:
  worker_pool(worker_pool_options opts, child_spec worker);

  // --- plain threads (blocking; in deterministic mode they step the node) --------------------
  /// A worker lent to `owner`: `timeout` if none came free in time (with `block`), or
  /// `overloaded` at once (without).
  static result<pid> checkout(actor_system& sys, const pid& pool, const pid& owner,
                              duration timeout = default_call_timeout, bool block = true);
  static void checkin(actor_system& sys, const pid& pool, const pid& worker);
  static result<worker_pool_status> status(actor_system& sys, const pid& pool);
  /// Checks a worker out, runs `f(worker)`, checks it back in (also if `f` throws).
  template <class F>
  static auto transaction(actor_system& sys, const pid& pool, const pid& owner, F&& f,
                          duration timeout = default_call_timeout) -> result<std::invoke_result_t<F&, const pid&>> {
    auto w = checkout(sys, pool, owner, timeout);
    if (!w) return std::unexpected(w.error());
    struct checkin_guard {
      actor_system& sys;
      pid pool, worker;
      ~checkin_guard() { checkin(sys, pool, worker); }
    } guard{sys, pool, *w};
    return f(*w);
  }

  // --- inside a process (non-blocking; `done` runs in `self`, which is the owner) -------------
  static void checkout(actor& self, const pid& pool, duration timeout, std::function<void(result<pid>)> done,
                       bool block = true);
  static void checkin(actor& self, const pid& pool, const pid& worker);

 protected:
  init_result init() override;
  behavior make_handlers() override;
  void terminate(const exit_reason& reason) override;

 private:
  struct loan {
    pid owner;
    ref_id monitor = 0;
  };
  struct waiter {
    reply_to to;
    pid owner;
    std::uint64_t id = 0;
    timer_handle deadline;
  };

  void on_checkout(const pid& owner, duration timeout, bool block, reply_to to);
  void on_checkin(const pid& worker);
  void on_worker_exit(const exit_msg& m);
  void on_owner_down(const down_msg& d);
  void on_deadline(std::uint64_t waiter_id);
  void lend(const pid& worker, const pid& owner, const reply_to& to);
  pid start_worker();
  void dismiss(const pid& worker);
  [[nodiscard]] worker_pool_status tally() const;

  worker_pool_options opts_;
  child_spec worker_;
  std::deque<pid> idle_;
  std::unordered_map<std::uint64_t, loan> loans_;  // by worker serial
  std::unordered_map<std::uint64_t, pid> workers_;  // every live worker, by serial
  std::deque<waiter> waiting_;
  std::size_t overflow_ = 0;
  std::uint64_t next_waiter_ = 0;
};

}  // namespace troupe
