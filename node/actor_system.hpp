#pragma once
/// @file
/// `actor_system`: one node's runtime — its processes, scheduler, timers and names.
///
/// A program may host several systems (several nodes in one process, as the integration tests
/// and the deterministic simulation do). Every member is @threadsafe unless it says otherwise.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "troupe/node/actor.hpp"
#include "troupe/node/clock.hpp"
#include "troupe/node/error.hpp"
#include "troupe/node/executor.hpp"
#include "troupe/node/message_type.hpp"
#include "troupe/node/name_service.hpp"
#include "troupe/node/process_info.hpp"
#include "troupe/node/process_table.hpp"
#include "troupe/node/remote_router.hpp"
#include "troupe/node/system_messages.hpp"
#include "troupe/node/timer_queue.hpp"

namespace troupe {

class stepped_executor;

struct actor_system_config {
  /// This node's name, unique in the cluster.
  std::string node_name = "nonode";
  /// Incarnation number; 0 picks one from the wall clock, so a restarted node gets a new one.
  std::uint32_t creation = 0;
  /// Scheduler threads; 0 means one per hardware thread.
  std::size_t threads = 0;
  /// Messages a process handles per turn before it yields its thread (fairness).
  std::size_t batch = 128;
  /// Run on a `stepped_executor` with a `manual_clock`: nothing runs until the test steps it.
  bool deterministic = false;
  /// In deterministic mode, read time from this clock instead of a private manual clock: how a
  /// simulation gives many nodes one virtual time. The caller owns it, moves it on, and then
  /// calls `advance_time({})` on each system to fire the timers now due.
  const troupe::clock* shared_clock = nullptr;
};

/// Counters that never go down. @threadsafe
struct system_counters {
  std::atomic<std::uint64_t> spawned{0};
  std::atomic<std::uint64_t> exited{0};
  /// Messages sent to a process that does not exist (or is unreachable).
  std::atomic<std::uint64_t> dead_letters{0};
  /// Messages a process received but had no handler for.
  std::atomic<std::uint64_t> unhandled{0};
  /// Messages still queued when their receiver exited.
  std::atomic<std::uint64_t> dropped_on_exit{0};
};

class actor_system {
 public:
  explicit actor_system(actor_system_config config = {});
  /// Shuts down (see `shutdown`).
  ~actor_system();
  actor_system(const actor_system&) = delete;
  actor_system& operator=(const actor_system&) = delete;

  // --- identity -------------------------------------------------------------------------
  [[nodiscard]] node_index node() const noexcept { return node_; }
  [[nodiscard]] const std::string& node_name() const noexcept { return config_.node_name; }
  [[nodiscard]] std::uint32_t creation() const noexcept { return creation_; }
  [[nodiscard]] bool is_local(const pid& p) const noexcept { return p.node == node_ && p.creation == creation_; }
  [[nodiscard]] const actor_system_config& config() const noexcept { return config_; }

  // --- processes ------------------------------------------------------------------------
  /// Spawns an `A` constructed from `args`. Returns the null pid while shutting down.
  template <class A, class... Args>
  pid spawn(Args&&... args) {
    return start(new A(std::forward<Args>(args)...), {});
  }
  /// Spawns a process whose behavior `init(actor&)` returns.
  template <class F>
    requires std::is_invocable_r_v<behavior, F&, actor&>
  pid spawn(F init) {
    return start(new function_actor<F>(std::move(init)), {});
  }

  /// Spawns an already built actor with a link to `link_to` and/or a monitor by `watcher` under
  /// `ref` in place before it runs (either may be null/0), calling `before_run(pid)` once the
  /// child is published (messages to it are delivered) but before it can run — how spawn
  /// requests from other nodes stay atomic. Takes ownership of `a`.
  pid spawn_prepared(actor* a, const pid& link_to, const pid& watcher, ref_id ref,
                     const std::function<void(const pid&)>& before_run);

  /// Sends `msg` to `to` from no process (the receiver sees a null sender).
  template <message T>
  void send(const pid& to, T&& msg) {
    deliver(to, make_envelope<std::remove_cvref_t<T>>(pid{}, std::forward<T>(msg)));
  }
  /// Sends to a registered name; false if no process has that name.
  template <message T>
  bool send(std::string_view name, T&& msg) {
    auto p = whereis(name);
    if (!p) return false;
    send(*p, std::forward<T>(msg));
    return true;
  }
  /// Sends an exit signal from no process (Erlang exit/2 from outside).
  void exit(const pid& target, exit_reason reason);

  /// Routes an envelope to a local or remote process. Unreachable targets become dead letters
  /// (and links/monitors to them fire noproc). The core of every send.
  void deliver(const pid& to, envelope_ptr e) noexcept;
  /// Routes an envelope that arrived from another node to a local process.
  void deliver_local(const pid& to, envelope_ptr e) noexcept;
  /// Routes `e` to the process registered as `name` on `node` (Erlang `{Name, Node}`): this
  /// node's own name resolves here, another node resolves it there. A monitor whose name nobody
  /// holds fires DOWN `noproc`, one towards a node that is not connected DOWN `noconnection`
  /// (both with a null `who`); a message that reaches nobody is a dead letter.
  void deliver_to_name(std::string_view node, std::string_view name, envelope_ptr e) noexcept;
  /// What becomes of `e` addressed to `name` here when nobody holds the name (also for a
  /// message by name from another node): a monitor is answered with DOWN `noproc` from a null
  /// pid, a message is a dead letter, other signals are dropped.
  void bounce_name(std::string_view name, envelope_ptr e) noexcept;
  /// The member nodes connected now (Erlang `nodes()`); none without a distribution layer.
  [[nodiscard]] std::vector<std::string> connected_nodes() const;

  // --- names ----------------------------------------------------------------------------
  /// Registers a unique local name (Erlang register/2). `name_taken` if held by another
  /// process, `noproc` if `p` is not a live local process, `invalid_argument` if `p` has a name.
  result<void> register_name(const std::string& name, const pid& p);
  bool unregister_name(const std::string& name);
  [[nodiscard]] std::optional<pid> whereis(std::string_view name) const;
  [[nodiscard]] std::vector<std::pair<std::string, pid>> registered_names() const;
  /// This node's name table as a `name_service`, for `via`.
  [[nodiscard]] name_service& local_names() noexcept { return local_names_; }

  // --- introspection --------------------------------------------------------------------
  [[nodiscard]] std::optional<process_info> info(const pid& p);
  [[nodiscard]] std::vector<pid> processes() const;
  [[nodiscard]] std::size_t process_count() const noexcept { return table_.size(); }
  [[nodiscard]] bool alive(const pid& p);
  [[nodiscard]] const system_counters& counters() const noexcept { return counters_; }
  system_counters& counters() noexcept { return counters_; }

  // --- runtime --------------------------------------------------------------------------
  [[nodiscard]] const troupe::clock& clock() const noexcept { return *clock_; }
  [[nodiscard]] troupe::executor& executor() noexcept { return *executor_; }
  /// The stepped executor in deterministic mode, else null.
  [[nodiscard]] stepped_executor* stepper() noexcept { return stepper_; }
  /// In deterministic mode: moves the manual clock on (not a shared one) and fires the timers
  /// now due.
  void advance_time(duration d);
  /// Installs the router for remote pids (null removes it). Removing waits until no thread is
  /// still inside the old router, so its owner may then be destroyed.
  void set_remote_router(remote_router* r) noexcept;
  /// Starts a timer that runs `fn` at `deadline` unless cancelled first.
  timer_handle start_timer(time_point deadline, std::function<void()> fn);
  /// Delivers `e` to `to` after `delay`. For a local target, a cancel that comes after the timer
  /// fired but before the message is handled still stops it.
  timer_handle send_after(const pid& to, duration delay, envelope_ptr e);
  template <message T>
  timer_handle send_after(const pid& to, duration delay, T&& msg) {
    return send_after(to, delay, make_envelope<std::remove_cvref_t<T>>(pid{}, std::forward<T>(msg)));
  }
  /// Delivers `e` to `to` at `deadline` on this node's clock (Erlang's send_after with
  /// `{abs, true}`); a deadline already past fires at the next timer check. Cancels as send_after.
  timer_handle send_at(const pid& to, time_point deadline, envelope_ptr e);
  template <message T>
  timer_handle send_at(const pid& to, time_point deadline, T&& msg) {
    return send_at(to, deadline, make_envelope<std::remove_cvref_t<T>>(pid{}, std::forward<T>(msg)));
  }
  /// The time left before `t` fires (Erlang read_timer/1); nothing once it has fired or been
  /// cancelled (or for an empty handle).
  [[nodiscard]] std::optional<duration> read_timer(const timer_handle& t) const noexcept;
  /// Cancels a timer. True if this call stopped it from ever delivering.
  bool cancel_timer(const timer_handle& t) noexcept;
  /// A fresh reference, unique within this node incarnation.
  ref_id make_ref() noexcept { return next_ref_.fetch_add(1, std::memory_order_relaxed); }

  /// Stops every process (their on_exit runs with reason shutdown), waits up to `grace` for
  /// them, then stops the scheduler and joins its threads. Idempotent.
  void shutdown(duration grace = std::chrono::seconds(5));
  [[nodiscard]] bool shutting_down() const noexcept { return shutting_down_.load(std::memory_order_acquire); }

 private:
  friend class actor;
  friend class blocking_actor;
  friend class scoped_actor;

  /// Publishes a constructed process and schedules its first turn: `before_publish` sets it up
  /// unseen, `before_run` runs once its pid is reachable but before its first turn.
  pid start(actor* a, const std::function<void(actor&)>& before_publish,
            const std::function<void(const pid&)>& before_run = {});
  /// Publishes a process that a thread of its own runs (a blocking actor): no first turn.
  pid start_detached(actor* a);
  pid allocate_pid() noexcept;
  void fire_timers();
  void bounce(const pid& to, envelope_ptr e) noexcept;
  void remove(actor& a) noexcept;

  actor_system_config config_;
  node_index node_;
  std::uint32_t creation_;
  std::unique_ptr<troupe::clock> owned_clock_;
  const troupe::clock* clock_ = nullptr;  // owned_clock_, or the config's shared clock
  std::unique_ptr<troupe::executor> executor_;
  stepped_executor* stepper_ = nullptr;
  timer_queue timers_;
  process_table table_;
  std::atomic<remote_router*> router_{nullptr};
  mutable std::atomic<std::uint32_t> routing_{0};  // threads inside router_->route()
  std::atomic<std::uint64_t> next_serial_{1};
  std::atomic<ref_id> next_ref_{1};
  system_counters counters_;
  std::atomic<bool> shutting_down_{false};
  std::atomic<std::size_t> detached_count_{0};  // processes run by threads of their own
  std::mutex exit_mutex_;
  std::condition_variable all_exited_;

  class local_name_service final : public name_service {
   public:
    explicit local_name_service(actor_system& sys) : sys_(sys) {}
    result<void> register_name(const std::string& name, const pid& p) override { return sys_.register_name(name, p); }
    void unregister_name(const std::string& name, const pid& p) override {
      if (sys_.whereis(name) == p) sys_.unregister_name(name);
    }
    std::optional<pid> whereis(const std::string& name) const override { return sys_.whereis(name); }

   private:
    actor_system& sys_;
  };
  local_name_service local_names_{*this};

  mutable std::shared_mutex names_mutex_;
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, pid, string_hash, std::equal_to<>> names_;
};

// --- actor templates that need the system -----------------------------------------------

template <message T>
void actor::send(const pid& to, T&& msg) {
  send_envelope(to, make_envelope<std::remove_cvref_t<T>>(self_, std::forward<T>(msg)));
}

template <message T>
timer_handle actor::send_after(const pid& to, duration delay, T&& msg) {
  return system_->send_after(to, delay, make_envelope<std::remove_cvref_t<T>>(self_, std::forward<T>(msg)));
}

template <message T>
timer_handle actor::send_at(const pid& to, time_point deadline, T&& msg) {
  return system_->send_at(to, deadline, make_envelope<std::remove_cvref_t<T>>(self_, std::forward<T>(msg)));
}

template <message R>
void actor::reply(const reply_to& to, R&& msg) {
  if (!to) return;
  auto e = make_envelope<std::remove_cvref_t<R>>(self_, std::forward<R>(msg));
  e->correlation = to.ref | envelope::reply_bit;
  send_envelope(to.caller, std::move(e));
}

template <message Resp, message Req, class F>
void actor::request(const pid& to, Req&& req, duration timeout, F&& on_result) {
  start_request(to, make_envelope<std::remove_cvref_t<Req>>(self_, std::forward<Req>(req)), timeout,
                [k = std::forward<F>(on_result)](envelope* reply, const error* err) mutable {
                  if (err) return k(result<Resp>(std::unexpected(*err)));
                  if (!holds<Resp>(*reply))
                    return k(result<Resp>(std::unexpected(
                        error(errc::codec, "reply has type '" + std::string(reply->type->name) + "'"))));
                  k(result<Resp>(std::move(payload<Resp>(*reply))));
                });
}

template <class A, class... Args>
pid actor::spawn(Args&&... args) {
  auto parent = self_;
  return system_->start(new A(std::forward<Args>(args)...), [parent](actor& c) { c.parent_ = parent; });
}

template <class A, class... Args>
pid actor::spawn_link(Args&&... args) {
  auto parent = self_;
  pid child = system_->start(new A(std::forward<Args>(args)...), [parent](actor& c) {
    c.parent_ = parent;
    c.links_.push_back(parent);
  });
  if (child) {
    std::lock_guard lock(info_lock_);
    links_.push_back(child);
  }
  return child;
}

template <class A, class... Args>
std::pair<pid, ref_id> actor::spawn_monitor(Args&&... args) {
  auto parent = self_;
  ref_id ref = system_->make_ref();
  pid child = system_->start(new A(std::forward<Args>(args)...),
                             [parent, ref](actor& c) {
                               c.parent_ = parent;
                               c.watchers_.emplace_back(ref, parent);
                             });
  if (child) {
    std::lock_guard lock(info_lock_);
    monitors_.emplace_back(ref, child);
  }
  return {child, ref};
}

}  // namespace troupe
