#pragma once
/// @file
/// `detail::statem_engine`: the generic half of `gen_statem`, written once for every state type.
/// It knows states only as small integers (`gen_statem<State>` maps them to the user's values),
/// and owns the event queue, the postponed events and the three kinds of timeout.
///
/// Event order, as OTP's: events the machine inserted (`next_event`) first, then the postponed
/// events retried after a state change (oldest first), then zero-time timeouts, then the mailbox.
/// One mailbox message is handled per `on_message`, together with everything it queues, so the
/// inserted events never wait behind later mail.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "troupe/node/actor.hpp"
#include "troupe/node/behaviour/gen_statem_event.hpp"
#include "troupe/node/behaviour/gen_statem_handlers.hpp"
#include "troupe/node/behaviour/gen_statem_transition.hpp"
#include "troupe/node/behaviour/start_ack.hpp"
#include "troupe/node/error.hpp"
#include "troupe/node/timer_queue.hpp"

namespace troupe::detail {

/// A state machine timer went off. `id` names one start of one timer, so a restarted timer's
/// earlier start can never be taken for the current one.
struct statem_timer_fired {
  std::uint64_t id = 0;
};

template <class T>
class gen_statem_host;

class statem_engine : public actor {
 public:
  using state_id = std::uint32_t;
  /// Handlers registered under this id apply in every state, after the state's own.
  static constexpr state_id any_state = ~state_id(0);

  ~statem_engine() override;

 protected:
  statem_engine() = default;

  /// OTP init: the initial state (a `next` transition) and its actions, or why the start failed.
  virtual result<statem_transition> run_init() = 0;
  /// OTP terminate: runs when the machine ends, if init succeeded.
  virtual void run_terminate(const exit_reason& reason) = 0;
  /// An event no handler of the current state (nor of every state) takes. The default logs and
  /// counts it as unhandled, as `actor` does, and drops it; a caller then times out. Override it
  /// to answer stray calls, or to crash as OTP would (throw).
  virtual void unmatched_event(envelope& e, statem_event& ev);

  void add_handlers(state_id s, std::unique_ptr<statem_handler_set> set);
  void set_enter(state_id s, std::function<statem_transition(state_id old)> on_enter);
  /// The current state. @note Owning actor only; valid once init has returned.
  [[nodiscard]] state_id current_state_id() const noexcept { return state_; }
  /// Moves the machine to `s` without running enter handlers or touching timeouts and postponed
  /// events: what OTP's sys:replace_state does to a gen_statem.
  void sys_set_state_id(state_id s) noexcept { state_ = s; }

  // The engine is the process's dispatcher: users implement init and the state handlers.
  void on_start() final;
  void on_message(envelope& e) final;
  void on_exit(const exit_reason& reason) final;

 private:
  template <class T>
  friend class gen_statem_host;

  /// An event waiting in the engine's queue or among the postponed ones.
  struct queued_event {
    envelope* env = nullptr;
    /// False only for the mailbox message being handled now, which actor::dispatch still owns.
    bool owned = true;
    statem_event_type type = statem_event_type::cast;
    std::string timeout_name;

    queued_event(envelope* e, bool own, statem_event_type t, std::string name = {})
        : env(e), owned(own), type(t), timeout_name(std::move(name)) {}
    queued_event(queued_event&& o) noexcept;
    queued_event& operator=(queued_event&& o) noexcept;
    ~queued_event();
  };
  struct timer_slot {
    std::uint64_t id = 0;  // 0: not running
    timer_handle timer;
    envelope_ptr content;
  };
  struct state_entry {
    std::vector<std::unique_ptr<statem_handler_set>> handlers;
    std::function<statem_transition(state_id)> on_enter;
  };
  /// What a transition's actions leave to do once the state is settled.
  struct pending_actions {
    bool postpone = false;
    std::vector<queued_event> inserted;
    std::vector<statem_action*> timers;
  };

  /// Registers the start name and runs init; false if the machine does not run.
  bool start_machine();
  /// Init failed with `why`: the starter is told, the process exits with it, terminate does not run.
  bool fail_start(exit_reason why);
  /// Tells the starter how the start went (OTP proc_lib:init_ack); once, and only if started by
  /// `start`/`start_link`.
  void acknowledge_start(start_outcome outcome, exit_reason reason = {});
  void handle(queued_event ev);
  void drain();
  std::optional<statem_transition> find_handler(envelope& e, statem_event& ev);
  void apply(statem_transition t, std::optional<queued_event> ev);
  pending_actions run_actions(statem_transition& t);
  void run_enter(state_id old);
  void retry_postponed();
  bool stop_now(statem_transition& t);
  void send_reply(statem_action& a);

  void run_timer_action(statem_action& a);
  void start_timer(timer_slot& slot, duration after, envelope_ptr content);
  void start_timer_at(timer_slot& slot, time_point deadline, envelope_ptr content);
  void cancel_slot(timer_slot& slot) noexcept;
  void on_timer_fired(std::uint64_t id);
  void cancel_all_timers() noexcept;

  /// Keeps the mailbox message `e` alive past `on_message` if it is still queued or postponed.
  void adopt_if_held(envelope& e) noexcept;
  /// Gives the envelopes adopted earlier their type back, now actor::dispatch is done with them.
  void restore_adopted() noexcept;
  static statem_event_type classify(const envelope& e) noexcept;
  state_entry* entry(state_id s) noexcept;

  std::vector<state_entry> states_;
  std::vector<std::unique_ptr<statem_handler_set>> any_state_handlers_;
  state_id state_ = 0;
  bool running_ = false;   // init succeeded
  bool stopping_ = false;  // a stop transition ran: handle nothing more
  bool in_enter_ = false;
  std::deque<queued_event> queue_;
  std::deque<queued_event> postponed_;
  timer_slot state_timer_;
  timer_slot event_timer_;
  std::map<std::string, timer_slot, std::less<>> named_timers_;
  std::uint64_t next_timer_id_ = 0;
  std::vector<std::pair<envelope*, const message_type*>> adopted_;
  start_config start_;  // name and starter, when started with start/start_link
  bool named_ = false;  // a via name was claimed: release it on exit
};

/// The process spawned by `start<T>`/`start_link<T>` for a state machine `T`: a `T` that knows
/// its start options before init (as `gen_server_host` does for servers).
template <class T>
class gen_statem_host final : public T {
 public:
  static_assert(std::is_base_of_v<statem_engine, T>, "gen_statem_host needs a gen_statem");
  static_assert(!std::is_final_v<T>, "a gen_statem started with start<T> must not be final");
  template <class... Args>
  explicit gen_statem_host(start_config cfg, Args&&... args) : T(std::forward<Args>(args)...) {
    static_cast<statem_engine&>(*this).start_ = std::move(cfg);
  }
};

}  // namespace troupe::detail

TROUPE_LOCAL_MESSAGE(troupe::detail::statem_timer_fired, "troupe.statem.timer_fired");
