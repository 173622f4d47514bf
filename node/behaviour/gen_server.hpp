#pragma once
/// @file
/// `gen_server`: a process with a request/reply contract and OTP's lifecycle (Erlang gen_server).
///
/// The callback contract (what a subclass writes):
/// | OTP callback                 | here                                                             |
/// |------------------------------|------------------------------------------------------------------|
/// | `init(Args)`                 | constructor (arguments) + `init()` → `init_result`               |
/// | `handle_call(Req, From, S)`  | a handler in `make_handlers()` for a message sent with `call` or |
/// |                              | `request`: return the reply type to answer now; return void and  |
/// |                              | keep `current_call()` to `reply()` later (or never)              |
/// | `handle_cast(Msg, S)`        | a handler (returning void) for a message sent with `cast`/`send` |
/// | `handle_info(Msg, S)`        | `handle_info(envelope&)`: every message no handler matched       |
/// | `handle_continue(Arg, S)`    | `handle_continue(std::any&)`, after `init_result::ok_then_continue` |
/// |                              | or `continue_with(arg)` from any callback                        |
/// | `terminate(Reason, S)`       | `terminate(reason)`, see below                                   |
/// | `{stop, Reason, ...}`        | `stop(reason)` (this class's, which also runs `terminate`)       |
/// | `{noreply, S, hibernate}`    | `hibernate()` from the callback (also from `init`)               |
/// | `{noreply, S, Timeout}`      | `set_receive_timeout(d)` from the callback: one `timeout_msg`    |
/// |                              | (in `handle_info` or a handler) if no message comes within `d`;  |
/// |                              | any message cancels it, so set it again to re-arm, as OTP        |
/// |                              | callbacks return it again. `receive_timeout_kind::repeating`     |
/// |                              | asks for one after every idle period instead                    |
///
/// Flow (user code | generic engine):
/// ```
/// start<T>(sys, opts, args)  ──► spawn T(args) ─► register name ─► init() ─► started_msg to starter
///                                                                      │       └► handle_continue
///                                            message ─► handler | handle_info ─► continues, if any
///                       stop / throw / parent's EXIT (trapped) ─► terminate(reason) ─► exit
/// ```
///
/// `terminate(reason)` runs exactly when OTP runs it: after `stop()`, after a callback throws
/// (reason `error: <what>`), when the server traps exits and its parent sends it an exit signal
/// (the supervisor's shutdown; for a server started from outside any process, an exit signal
/// sent from outside, `actor_system::exit`), and on node shutdown if the server traps exits. It does not run
/// when the server is killed (`kill`), when an exit signal ends a server that does not trap exits,
/// or when `init` fails. A handler that calls `actor::stop` through an `actor&` bypasses this
/// class's `stop`, so `terminate` then runs only if the server traps exits.
///
/// Threading: as for `actor`, every member runs on the server's own turn.

#include <any>
#include <deque>

#include "troupe/node/actor.hpp"
#include "troupe/node/behaviour/gen_server_init.hpp"
#include "troupe/node/behaviour/start_ack.hpp"

namespace troupe {

class gen_server;

namespace detail {
template <class T>
class gen_server_host;
}  // namespace detail

class gen_server : public actor {
 public:
  /// A gen_server's receive timeout is OTP's one-shot `{noreply, S, Timeout}` (see the table).
  gen_server() { default_receive_timeout_kind(receive_timeout_kind::once); }

  /// Asks for `handle_continue(arg)` right after the current callback, before the next message.
  void continue_with(std::any arg) { continues_.push_back(std::move(arg)); }
  /// OTP's `hibernate` (`{noreply, S, hibernate}`, `{ok, S, hibernate}`): once the current
  /// callback and its continues are done, the server gives back the memory it holds only for
  /// busy times (`actor::release_spare_memory`, its own continue queue) and waits for the next
  /// message, which it handles as usual. The server's own members are its state and stay.
  void hibernate() noexcept { hibernate_due_ = true; }
  /// Ends the server with `reason` once the current callback returns; `terminate` runs first.
  void stop(exit_reason reason = exit_reason::normal()) {
    terminate_due_ = true;
    actor::stop(std::move(reason));
  }

 protected:
  /// The server's handlers (handle_call and handle_cast, one small function per message type).
  virtual behavior make_handlers() { return {}; }
  /// Runs before any message; a failure fails the start. An exception counts as
  /// `init_result::stop(error: <what>)`.
  virtual init_result init() { return init_result::ok(); }
  virtual void handle_continue(std::any& arg);
  /// Messages no handler matched (monitors' `down_msg`, trapped `exit_msg`, `timeout_msg`, ...).
  /// The default logs and counts them as unhandled, as OTP's logs unexpected messages.
  virtual void handle_info(envelope& e) { unhandled(e); }
  /// Cleans up before the server exits; see the file comment for when it runs.
  virtual void terminate(const exit_reason& reason);
  /// The parent (the process that spawned this one; for a server started from outside any
  /// process, the outside world: `actor_system::exit`) sent an exit signal and this server
  /// traps exits. The default ends the server with that reason, running `terminate`.
  virtual void on_parent_exit(const exit_reason& reason) { stop(reason); }

  /// For behaviours built on this one whose start completes later (a supervisor starting its
  /// children): call from `init`, then `acknowledge_start` once the start has succeeded or failed.
  void defer_start_ack() noexcept { ack_deferred_ = true; }
  /// Sends the deferred start acknowledgement. `failed` carries the reason of a failed start.
  void acknowledge_start(start_outcome outcome, exit_reason reason = {});
  /// The process this server answers to on exit signals: its starter when started linked.
  [[nodiscard]] pid parent_pid() const noexcept { return parent(); }

 private:
  template <class T>
  friend class detail::gen_server_host;

  behavior make_behavior() final;
  void on_start() final;
  void on_message(envelope& e) final;
  void on_exit(const exit_reason& reason) final;

  bool register_start_name();
  void unregister_start_name();
  void run_init();
  void dispatch_callback(envelope& e);
  void run_continues();
  void hibernate_if_due() noexcept;

  behavior handlers_;
  detail::start_config start_;
  std::deque<std::any> continues_;
  bool running_ = false;        // init succeeded: terminate may run
  bool terminate_due_ = false;  // stop() was called or a callback threw
  bool ack_deferred_ = false;
  bool named_ = false;
  bool hibernate_due_ = false;
};

namespace detail {
/// The process actually spawned for a `T`: a `T` that knows its start options before `init`.
/// (Why a subclass: `actor::spawn` builds the object itself, so this is the one place where the
/// options can be handed over before the process runs, without a thread-local side channel.)
template <class T>
class gen_server_host final : public T {
 public:
  static_assert(std::is_base_of_v<gen_server, T>, "start<T> needs a gen_server");
  static_assert(!std::is_final_v<T>, "a gen_server started with start<T> must not be final");
  template <class... Args>
  explicit gen_server_host(start_config cfg, Args&&... args) : T(std::forward<Args>(args)...) {
    static_cast<gen_server&>(*this).start_ = std::move(cfg);
  }
};
}  // namespace detail

}  // namespace troupe
