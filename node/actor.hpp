#pragma once
/// @file
/// `actor`: a process. It owns a mailbox, handles one message at a time on whichever scheduler
/// thread runs it, and talks to the world only through messages, links and monitors.
///
/// Write one by subclassing and returning a `behavior`:
/// ```
/// class counter : public troupe::actor {
///   int n_ = 0;
///   troupe::behavior make_behavior() override {
///     return { [this](const increment& m) { n_ += m.by; } };
///   }
/// };
/// auto pid = system.spawn<counter>();
/// ```
/// or spawn a function returning one: `system.spawn([](actor& self) -> behavior { ... })`.
///
/// Lifecycle: constructor (on the spawning thread; no messaging yet) → `make_behavior` and
/// `on_start` (first turn, in the process) → handlers, one message at a time → `on_exit(reason)`
/// (always runs, whatever the reason) → destruction once no thread refers to it.
///
/// An exception escaping any of these ends the process with an `error` exit reason holding the
/// exception's text. It never reaches the scheduler thread.
///
/// Threading: every member below that is not marked @threadsafe may be called only from the
/// process's own handlers (the owning thread of the current turn).

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "troupe/node/message_handlers.hpp"
#include "troupe/node/clock.hpp"
#include "troupe/node/exit_reason.hpp"
#include "troupe/node/executor.hpp"
#include "troupe/node/internal/spinlock.hpp"
#include "troupe/node/mailbox.hpp"
#include "troupe/node/park.hpp"
#include "troupe/node/pid.hpp"
#include "troupe/node/error.hpp"
#include "troupe/node/process_info.hpp"
#include "troupe/node/reply_to.hpp"
#include "troupe/node/sys_state.hpp"
#include "troupe/node/timer_queue.hpp"

namespace troupe {

class actor_system;

namespace detail {
struct sys_support;
struct sys_handlers;
}  // namespace detail

/// What a receive timeout does once it has fired, and when a message arrives.
enum class receive_timeout_kind : std::uint8_t {
  /// OTP gen_server's `{noreply, State, Timeout}`: at most one `timeout_msg`, and the next
  /// message of any kind cancels it; a handler that wants another sets it again.
  once,
  /// Erlang's `receive ... after T` in a loop: a `timeout_msg` after every `T` without a message.
  repeating,
};

class actor {
 public:
  actor();
  actor(const actor&) = delete;
  actor& operator=(const actor&) = delete;
  virtual ~actor();

  // --- identity -------------------------------------------------------------------------
  [[nodiscard]] pid self() const noexcept { return self_; }
  [[nodiscard]] actor_system& system() const noexcept { return *system_; }
  /// The sender of the message being handled (null pid outside a handler or for anonymous sends).
  [[nodiscard]] pid sender() const noexcept;
  /// The process that spawned this one (null if spawned from outside any process).
  [[nodiscard]] pid parent() const noexcept { return parent_; }

  // --- messages -------------------------------------------------------------------------
  /// Sends `msg` to `to`, local or remote; the receiver sees this process as the sender.
  template <message T>
  void send(const pid& to, T&& msg);
  /// Delivers `msg` to `to` after `delay`. The message is never delivered once cancelled.
  template <message T>
  timer_handle send_after(const pid& to, duration delay, T&& msg);
  /// Delivers `msg` to `to` at `deadline` on the node's clock (Erlang's `{abs, true}` timers).
  template <message T>
  timer_handle send_at(const pid& to, time_point deadline, T&& msg);
  /// Cancels a timer. True if this cancel stopped it from ever being delivered.
  bool cancel_timer(const timer_handle& t) noexcept;
  /// Time left before `t` fires (Erlang read_timer/1); nothing once it fired or was cancelled.
  [[nodiscard]] std::optional<duration> read_timer(const timer_handle& t) const noexcept;
  /// Asks for a `timeout_msg` when no message has arrived for `d`; zero turns it off. `kind`
  /// says whether it fires once and any message cancels it (OTP gen_server's
  /// `{noreply, S, Timeout}`) or after every idle period (a receive loop's `after`). Without
  /// `kind`: `once` in a gen_server, `repeating` in a plain actor.
  void set_receive_timeout(duration d) { set_receive_timeout(d, default_timeout_kind_); }
  void set_receive_timeout(duration d, receive_timeout_kind kind);

  // --- calls (request/response) -----------------------------------------------------------
  /// The caller of the message being handled if it is a call, to answer later with `reply`.
  /// Empty when the message is not a call.
  [[nodiscard]] reply_to current_call() const noexcept;
  /// Answers a call, now or later, from this or any process.
  template <message R>
  void reply(const reply_to& to, R&& msg);
  /// Calls `to` without blocking: `on_result(result<Resp>)` runs in this process with the reply,
  /// or with an error — `timeout` after `timeout`, `noproc` if `to` does not exist, `exited`
  /// (carrying the exit reason) if it dies first. A reply that comes after the timeout is dropped.
  template <message Resp, message Req, class F>
  void request(const pid& to, Req&& req, duration timeout, F&& on_result);
  /// `request` for a message built at run time and a reply of any type: `done(reply, nullptr)`
  /// with the reply envelope (valid during the call only), or `done(nullptr, &error)`. For
  /// relays that cannot know the reply's type in advance (the admin's `call`).
  void request_envelope(const pid& to, envelope_ptr req, duration timeout,
                        std::function<void(envelope*, const error*)> done) {
    start_request(to, std::move(req), timeout, std::move(done));
  }
  /// Calls in flight from this process.
  [[nodiscard]] std::size_t pending_requests() const noexcept { return pending_ ? pending_->size() : 0; }

  // --- links, monitors, exits -------------------------------------------------------------
  /// Links to `other`: when either exits abnormally the other gets an exit signal. Linking to
  /// a dead process sends this process an exit signal with reason noproc.
  void link(const pid& other);
  void unlink(const pid& other);
  /// Monitors `other`: a `down_msg` with this ref arrives when it exits (noproc if already dead).
  ref_id monitor(const pid& other);
  /// Monitors the process registered as `name` on this node (Erlang `monitor(process, Name)`).
  /// The name is resolved now: the `down_msg` names that process, or comes at once with
  /// `noproc` and a null `who` when nobody holds the name. Re-registering the name later does
  /// not move the monitor.
  ref_id monitor(std::string_view name);
  /// Monitors the process registered as `name` on `node` (Erlang `monitor(process, {Name,
  /// Node})`); this node's own name is the same as `monitor(name)`. The far node resolves the
  /// name: DOWN `noproc` (null `who`) if nobody holds it there, else a monitor of that process,
  /// whose DOWN names it; DOWN `noconnection` (null `who`) if the node is not connected or is lost.
  ref_id monitor(std::string_view name, std::string_view node);
  /// Drops a monitor. Afterwards no `down_msg` for `ref` is delivered, even one already queued.
  bool demonitor(ref_id ref);
  /// Turns exit signals (except `kill`) into `exit_msg` messages.
  void trap_exit(bool on) noexcept { trap_exit_.store(on, std::memory_order_relaxed); }
  [[nodiscard]] bool trapping_exits() const noexcept { return trap_exit_.load(std::memory_order_relaxed); }
  /// Sends an exit signal to `target` (Erlang exit/2). `kill` cannot be trapped.
  void exit(const pid& target, exit_reason reason);
  /// Ends this process with `reason` once the current handler returns (Erlang exit/1).
  void stop(exit_reason reason = exit_reason::normal());

  // --- spawning -------------------------------------------------------------------------
  template <class A, class... Args>
  pid spawn(Args&&... args);
  /// Spawns and links atomically: the child cannot exit unlinked.
  template <class A, class... Args>
  pid spawn_link(Args&&... args);
  /// Spawns and monitors atomically. Returns the child and the monitor ref.
  template <class A, class... Args>
  std::pair<pid, ref_id> spawn_monitor(Args&&... args);

  /// Replaces the current handlers.
  void become(behavior b) { behavior_ = std::move(b); }

  // --- introspection (@threadsafe) ----------------------------------------------------------
  [[nodiscard]] process_info info() const;
  [[nodiscard]] std::uint64_t mailbox_size() const noexcept;

  // --- sys: debugging a live process (node/sys.hpp) ----------------------------------------------
  /// Makes `state` what `sys::get_state` shows and `sys::replace_state` sets: a member of this
  /// process (or of the closure a function actor was spawned from), of a `sys_packable` type.
  /// Call it before the first sys request: in the constructor, `init` or `make_behavior`.
  /// For several fields, expose a struct holding them, or override `sys_get_state` and
  /// `sys_replace_state`. @note Owning actor only.
  template <class T>
  void expose_state(T& state) {
    static_assert(sys_packable<T>, "sys can show only MessagePack-serialisable states (see node/sys_state.hpp)");
    set_state_access({[&state](msgpack::sbuffer& out) { pack_state(out, state); },
                      [&state](const msgpack::object& o) { unpack_state(o, state); }});
  }
  /// Sends a ready envelope from this process: the path every send of a process takes, where sys
  /// counts it and, while tracing, records it. Sets the envelope's sender. @note Owning actor only.
  void send_envelope(const pid& to, envelope_ptr e);

 protected:
  /// The handlers the process starts with. Called once, in the process, before `on_start`.
  virtual behavior make_behavior() { return {}; }
  /// Runs in the process before the first message.
  virtual void on_start() {}
  /// Handles one message. The default dispatches to the behavior, else calls `unhandled`.
  virtual void on_message(envelope& e);
  /// Runs once when the process ends, whatever the reason (Erlang terminate/2).
  virtual void on_exit(const exit_reason& reason);
  /// A message no handler matched: logged and counted, then dropped.
  void unhandled(envelope& e);
  /// The kind `set_receive_timeout(d)` uses; a behaviour sets its own in its constructor.
  void default_receive_timeout_kind(receive_timeout_kind k) noexcept { default_timeout_kind_ = k; }
  /// Gives back the spare capacity the runtime's own bookkeeping kept from busier times: the
  /// link and monitor lists (a burst of callers, each monitoring this process for its call,
  /// leaves its high water behind) and the table of calls in flight once none is. What a
  /// behaviour's hibernate drops (OTP's hibernate shrinks the heap). @note Owning actor only.
  void release_spare_memory() noexcept;

  /// The state `sys::get_state` shows, as one MessagePack value. The default encodes what
  /// `expose_state` was given, else fails with `not_found` (no inspectable state). Behaviours
  /// whose state the runtime knows override it (gen_statem: [state, data]; agent: its state).
  /// It runs in the process, between two messages; an exception becomes the request's error.
  virtual result<msgpack_value> sys_get_state();
  /// Replaces the state with `state` for `sys::replace_state`; same default. Fails with `codec`
  /// (changing nothing) when the value does not fit the state's type.
  virtual result<void> sys_replace_state(const msgpack::object& state);

 private:
  friend class actor_system;
  friend class blocking_actor;
  friend class scoped_actor;
  friend void detail::run_turn(actor*) noexcept;
  friend struct detail::sys_handlers;
  friend void intrusive_add_ref(actor* a) noexcept;
  friend void intrusive_release(actor* a) noexcept;
  friend bool park_current_process(park_gate& gate) noexcept;
  friend void unpark(actor* a) noexcept;

  // Scheduling.
  /// Queues an envelope (taking ownership). Returns true when the process was idle and the
  /// caller has claimed the right to wake it: it must add a reference and call wake().
  /// @threadsafe
  bool push(envelope* e) noexcept;
  /// Asks whoever runs this process to run a turn (executor, or a blocked thread). @threadsafe
  virtual void wake() noexcept;
  void resume() noexcept;
  void finish_turn() noexcept;
  /// Ends the turn at the gate `park_current_process` named; false if the gate was open.
  bool park_at_gate() noexcept;
  bool drain_inbox(std::size_t limit);
  void dispatch(envelope* e);
  void dispatch_debug(envelope* e);
  void deliver_to_handlers(envelope_ptr e, bool traced);
  template <class F>
  bool guarded(F&& f) noexcept;

  // Signals.
  /// Acts on a signal; true if it must then be queued as a message (spawn_reply).
  bool handle_signal(envelope& e);
  void on_exit_signal(const pid& from, const exit_reason& reason, bool linked);
  void on_down_signal(const pid& from, ref_id ref, const exit_reason& reason);
  /// A monitor set by `{name, node}`: the far node resolves the name again on demonitor.
  struct name_monitor {
    ref_id ref = 0;
    std::string node;
    std::string name;
  };
  /// Removes and returns the name monitor `ref`, if it is one. Call under info_lock_.
  std::optional<name_monitor> take_name_monitor(ref_id ref);
  void on_receive_tick(std::uint64_t generation);
  void request_exit(exit_reason reason);

  // Termination.
  void terminate() noexcept;
  void reject_pending_signals(const exit_reason& reason) noexcept;
  void notify_links_and_watchers(const exit_reason& reason);

  // Local message queue (messages drained from the inbox, not yet handled).
  void local_push(envelope* e) noexcept;
  envelope* local_pop() noexcept;
  void local_clear() noexcept;
  envelope* local_take_if(const std::function<bool(envelope&)>& pred) noexcept;
  void flush_down(ref_id ref) noexcept;

  struct pending_call {
    ref_id monitor = 0;
    timer_handle timer;
    std::function<void(envelope*, const error*)> done;
  };
  void start_request(const pid& to, envelope_ptr req, duration timeout,
                     std::function<void(envelope*, const error*)> done);
  bool intercept_call_traffic(envelope& e);
  void finish_request(ref_id ref, envelope* reply, const error* err);

  void note_activity();
  void arm_receive_timer(duration after);
  void disarm_receive_timeout();

  // sys (sys_runtime.cpp): requests answered by the runtime, suspension and the trace.
  void set_state_access(detail::state_access access);
  detail::sys_support& sys_support();
  void note_high_water() noexcept;
  void handle_system_message(envelope_ptr e);
  bool must_hold(const envelope& e) const noexcept;
  void hold(envelope* e) noexcept;
  void release_held() noexcept;
  void clear_held() noexcept;
  void trace_in(const envelope& e);
  void trace_out(const pid& to, const envelope& e);

  // Field order is the layout: what senders touch (reference count, scheduled flag, urgent exit,
  // the mailbox's producers' end) comes first; the owner's per-message state follows; the rarely
  // used lists come last. No padding: an idle process stays small (the local bench's
  // local.actor_bytes; docs/runtime.md gives the sizes).
  std::atomic<std::uint32_t> refs_{1};
  std::atomic<bool> scheduled_{false};
  /// Set from other threads for exits that must not wait behind queued messages.
  static constexpr std::uint8_t urgent_kill = 1, urgent_shutdown = 2;
  std::atomic<std::uint8_t> urgent_{0};
  std::atomic<process_status> status_{process_status::runnable};
  /// sys switches, read at each message: one test of this byte when none is on. Written by the
  /// owner; read by introspection from other threads.
  static constexpr std::uint8_t sys_suspended = 1, sys_tracing = 2;
  std::atomic<std::uint8_t> sys_flags_{0};
  mailbox inbox_;
  bool started_ = false;
  bool detached_ = false;  // run by a thread of its own (blocking_actor), not the executor
  std::atomic<bool> trap_exit_{false};
  bool terminated_ = false;
  std::atomic<std::uint32_t> local_size_{0};
  park_gate* park_at_ = nullptr;  // set during a turn: park after the current message (node/park.hpp)
  actor_system* system_ = nullptr;
  pid self_;
  envelope* local_head_ = nullptr;
  envelope* local_tail_ = nullptr;
  envelope* current_ = nullptr;
  behavior behavior_;
  std::unique_ptr<exit_reason> exit_;
  duration receive_timeout_{};
  receive_timeout_kind timeout_kind_ = receive_timeout_kind::repeating;
  receive_timeout_kind default_timeout_kind_ = receive_timeout_kind::repeating;
  /// Bumped whenever the receive timeout is set or dropped: a tick from an older one is stale.
  std::uint64_t timeout_generation_ = 0;
  time_point last_activity_{};
  timer_handle receive_timer_;
  std::atomic<std::uint64_t> handled_{0};
  std::uint64_t received_ = 0;  // owner only, like the two below
  std::uint64_t sent_ = 0;
  std::uint64_t turns_ = 0;
  std::atomic<std::uint64_t> high_water_{0};
  std::int64_t started_at_us_ = 0;
  std::unique_ptr<detail::sys_support> sys_;  // exposed state, trace, held mail: allocated on first use
  std::unique_ptr<std::unordered_map<ref_id, pending_call>> pending_;  // calls in flight, rare: allocated on first use
  pid parent_;

  // Read by introspection from other threads; written by the owner under info_lock_.
  mutable detail::spinlock info_lock_;
  std::vector<pid> links_;
  std::vector<std::pair<ref_id, pid>> monitors_;  // monitors this process holds on others
  std::vector<name_monitor> name_monitors_;  // those of monitors_ set by {name, node}: demonitor goes by name
  std::vector<std::pair<ref_id, pid>> watchers_;  // monitors others hold on this process
  std::string name_;
};

void intrusive_add_ref(actor* a) noexcept;
void intrusive_release(actor* a) noexcept;

/// A process spawned from a function: `F(actor&)` returns its behavior.
template <class F>
class function_actor final : public actor {
 public:
  explicit function_actor(F f) : init_(std::move(f)) {}

 protected:
  behavior make_behavior() override { return init_(static_cast<actor&>(*this)); }

 private:
  F init_;
};

}  // namespace troupe
