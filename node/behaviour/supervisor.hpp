#pragma once
/// @file
/// `supervisor`: a process that starts children, watches them and restarts them (OTP
/// supervisor). It is a `gen_server` that traps exits; all of its work is asynchronous, so it
/// never blocks a scheduler thread and keeps answering `which_children` while it works.
///
/// ```
/// auto sup = troupe::start<supervisor>(sys, start_options::local("app"),
///     supervisor_flags{.strategy = strategy::rest_for_one},
///     std::vector<child_spec>{child_spec::worker<db>("db"), child_spec::worker<api>("api")});
/// supervisor::which_children(sys, *sup);
/// ```
///
/// The engine (user code | generic engine):
/// ```
/// init: start children in order ─► each start waits for the child's started_msg ─► ack own start
///       (a child fails to start: stop the started ones in reverse, fail with
///        shutdown: failed_to_start_child <id>: <reason>)
/// EXIT from a child ─► restart? (permanent / transient+abnormal) ─► count it: more than
///       max_restarts within max_time ─► stop all children, exit shutdown: reached_max_restart_intensity
///   ─► strategy picks the affected children ─► stop the others (reverse) ─► start them (in order)
/// EXIT from the parent (or, unparented, from outside) ─► stop all children (reverse) ─► exit
/// ```
/// Stopping a child: `exit(child, shutdown)`, wait for its EXIT up to the shutdown timeout (a
/// timer, not a wait), then `exit(child, kill)`; `brutal_kill` kills at once; infinity waits.
/// While one such operation runs, children's EXITs and mutating control calls queue up behind
/// it and are handled in arrival order when it ends, as in OTP where the supervisor is busy.

#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "troupe/node/behaviour/child_spec.hpp"
#include "troupe/node/behaviour/gen_server.hpp"
#include "troupe/node/behaviour/restart_intensity.hpp"
#include "troupe/node/behaviour/restart_strategy.hpp"
#include "troupe/node/behaviour/supervisor_messages.hpp"
#include "troupe/node/call.hpp"

namespace troupe {

/// When a supervisor ends itself because significant children ended (OTP 24 `auto_shutdown`).
/// "Ended" means by themselves: a transient child exiting normally (or with `shutdown`), a
/// temporary child exiting for any reason. A child the supervisor stops (terminate_child, a
/// restart of its siblings, the supervisor's own shutdown) never counts.
enum class auto_shutdown {
  /// Never; no child may be significant. The default.
  never,
  /// When any significant child ends: the supervisor stops its other children and exits with
  /// reason `shutdown`.
  any_significant,
  /// When the last significant child still running ends: the same.
  all_significant,
};

struct supervisor_flags {
  troupe::strategy strategy = troupe::strategy::one_for_one;
  /// More than this many restarts within `max_time` and the supervisor gives up (OTP intensity).
  std::size_t max_restarts = 3;
  duration max_time = std::chrono::seconds(5);
  troupe::auto_shutdown auto_shutdown = troupe::auto_shutdown::never;
};

/// The reason a supervisor exits with when its children restart too often.
inline constexpr const char* reached_max_restart_intensity = "reached_max_restart_intensity";

class supervisor : public gen_server {
 public:
  supervisor(supervisor_flags flags, std::vector<child_spec> children);

  // --- control API from a non-actor thread (blocking; in deterministic mode it steps the node)
  static result<pid> start_child(actor_system& sys, const pid& sup, child_spec spec, duration timeout = default_call_timeout);
  static result<void> terminate_child(actor_system& sys, const pid& sup, const std::string& id, duration timeout = default_call_timeout);
  static result<pid> restart_child(actor_system& sys, const pid& sup, const std::string& id, duration timeout = default_call_timeout);
  static result<void> delete_child(actor_system& sys, const pid& sup, const std::string& id, duration timeout = default_call_timeout);
  static result<std::vector<child_info>> which_children(actor_system& sys, const pid& sup, duration timeout = default_call_timeout);
  /// A copy of child `id`'s spec (OTP get_childspec/2); `not_found` if there is no such child.
  static result<child_spec> get_childspec(actor_system& sys, const pid& sup, const std::string& id, duration timeout = default_call_timeout);
  static result<child_counts> count_children(actor_system& sys, const pid& sup, duration timeout = default_call_timeout);

  // --- control API from inside a process (non-blocking; `done` runs in `self`)
  static void start_child(actor& self, const pid& sup, child_spec spec, duration timeout, std::function<void(result<pid>)> done);
  static void terminate_child(actor& self, const pid& sup, const std::string& id, duration timeout, std::function<void(result<void>)> done);
  static void restart_child(actor& self, const pid& sup, const std::string& id, duration timeout, std::function<void(result<pid>)> done);
  static void delete_child(actor& self, const pid& sup, const std::string& id, duration timeout, std::function<void(result<void>)> done);
  static void which_children(actor& self, const pid& sup, duration timeout, std::function<void(result<std::vector<child_info>>)> done);
  static void get_childspec(actor& self, const pid& sup, const std::string& id, duration timeout, std::function<void(result<child_spec>)> done);
  static void count_children(actor& self, const pid& sup, duration timeout, std::function<void(result<child_counts>)> done);

 protected:
  static result<child_spec> ask_childspec(actor_system& sys, const pid& sup, supervisor_get_childspec req, duration timeout);
  static void ask_childspec(actor& self, const pid& sup, supervisor_get_childspec req, duration timeout,
                            std::function<void(result<child_spec>)> done);

  /// For dynamic_supervisor: children keyed by pid, none at start, at most `max_children`.
  struct dynamic_mode {
    std::size_t max_children = 0;  // 0: unlimited
  };
  supervisor(supervisor_flags flags, dynamic_mode mode);

  behavior make_handlers() override;
  init_result init() override;
  void terminate(const exit_reason& reason) override;
  void on_parent_exit(const exit_reason& reason) override;

 private:
  struct child {
    child_spec spec;
    pid process;
  };
  enum class step_kind { start, stop };
  struct step {
    step_kind kind;
    std::string id;
    bool drop = false;  // remove the spec once stopped
  };
  struct operation {
    std::deque<step> steps;
    pid last_started;
    std::function<void(result<pid>)> done;
    std::function<void(const std::string& id, const exit_reason& why)> on_start_failure;
  };
  struct deferred {
    pid exited;  // non-null: a child's EXIT
    exit_reason reason;
    std::function<void()> call;  // otherwise: a control call to run when idle
  };

  // Control calls (supervisor.cpp).
  void on_start_child(child_spec spec, reply_to to);
  void on_terminate_child(const supervisor_terminate_child& req, reply_to to);
  void on_restart_child(const std::string& id, reply_to to);
  void on_delete_child(const std::string& id, reply_to to);
  [[nodiscard]] supervisor_children list_children() const;
  [[nodiscard]] supervisor_childspec spec_of(const supervisor_get_childspec& req);
  [[nodiscard]] supervisor_counts tally_children() const;
  void when_idle(std::function<void()> call);

  // Failures and restarts (supervisor_restart.cpp).
  void on_child_exit(const exit_msg& m);
  void handle_child_exit(const pid& from, const exit_reason& reason);
  void on_child_failed(const std::string& id, const exit_reason& reason);
  bool note_restart();
  /// Why `spec` cannot be a child here (OTP's rules on `significant`), if it cannot.
  [[nodiscard]] std::optional<std::string> invalid_significance(const child_spec& spec) const;
  /// `ended`, a significant child, ended by itself: does the supervisor shut down now?
  [[nodiscard]] bool auto_shutdown_due(const child& ended) const;
  void restart_affected(std::size_t failed);
  void give_up(exit_reason reason);
  void stop_everything(std::function<void(result<pid>)> then);

  // The operation engine (supervisor_engine.cpp).
  void begin(operation op);
  void pump();
  void finish_operation();
  void begin_step(const step& s);
  void begin_start(const step& s);
  void begin_stop(const step& s);
  void on_started(const started_msg& m);
  void on_stopped(const pid& who);
  void on_kill_timer(const detail::supervisor_kill_timer& t);
  void start_failed(const std::string& id, const exit_reason& why);
  bool take_deferred_exit(const pid& who);
  [[nodiscard]] bool waiting() const noexcept { return waiting_ack_ != 0 || !waiting_exit_.is_null(); }

  child* find(const std::string& id);
  child* find(const pid& p);
  std::size_t index_of(const std::string& id) const;
  void erase(const std::string& id);
  std::string next_dynamic_id() { return "#" + std::to_string(++dynamic_serial_); }

  supervisor_flags flags_;
  std::vector<child> children_;
  std::optional<dynamic_mode> dynamic_;
  std::uint64_t dynamic_serial_ = 0;
  restart_intensity restarts_;
  std::optional<operation> op_;
  std::deque<deferred> deferred_;
  std::uint64_t waiting_ack_ = 0;
  std::string waiting_id_;
  pid waiting_exit_;
  bool drop_when_stopped_ = false;
  timer_handle kill_timer_;
  bool stopping_ = false;  // shutting down for good: no more restarts or control calls
};

}  // namespace troupe
