#include "troupe/node/behaviour/gen_statem_engine.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "troupe/node/actor_system.hpp"
#include "troupe/node/behaviour/start_name.hpp"
#include "troupe/node/system_messages.hpp"

namespace troupe::detail {
namespace {

void leave_alive(envelope*) noexcept {}

/// What a postponed mailbox message wears while `actor::dispatch` lets go of it: its destroy does
/// nothing, so the dispatch's cleanup leaves the envelope to the engine, which puts the real type
/// back before it next touches it. (The core has no way to take a message out of a handler.)
const message_type adopted_type{"troupe.statem.adopted", &leave_alive, nullptr, nullptr, false};

}  // namespace

// --- queued_event ----------------------------------------------------------------------------------

statem_engine::queued_event::queued_event(queued_event&& o) noexcept
    : env(std::exchange(o.env, nullptr)), owned(o.owned), type(o.type), timeout_name(std::move(o.timeout_name)) {}

statem_engine::queued_event& statem_engine::queued_event::operator=(queued_event&& o) noexcept {
  if (this == &o) return *this;
  if (env != nullptr && owned) destroy_envelope(env);
  env = std::exchange(o.env, nullptr);
  owned = o.owned;
  type = o.type;
  timeout_name = std::move(o.timeout_name);
  return *this;
}

statem_engine::queued_event::~queued_event() {
  if (env != nullptr && owned) destroy_envelope(env);
}

// --- registration --------------------------------------------------------------------------------

statem_engine::~statem_engine() { restore_adopted(); }

void statem_engine::add_handlers(state_id s, std::unique_ptr<statem_handler_set> set) {
  if (s == any_state) return any_state_handlers_.push_back(std::move(set));
  if (states_.size() <= s) states_.resize(s + 1);
  states_[s].handlers.push_back(std::move(set));
}

void statem_engine::set_enter(state_id s, std::function<statem_transition(state_id)> on_enter) {
  if (states_.size() <= s) states_.resize(s + 1);
  states_[s].on_enter = std::move(on_enter);
}

statem_engine::state_entry* statem_engine::entry(state_id s) noexcept {
  return s < states_.size() ? &states_[s] : nullptr;
}

void statem_engine::unmatched_event(envelope& e, statem_event&) { unhandled(e); }

statem_event_type statem_engine::classify(const envelope& e) noexcept {
  if (e.is_call()) return statem_event_type::call;
  if (holds<down_msg>(e) || holds<exit_msg>(e) || holds<timeout_msg>(e)) return statem_event_type::info;
  return statem_event_type::cast;
}

// --- lifecycle -----------------------------------------------------------------------------------

void statem_engine::on_start() {
  if (start_machine()) drain();
}

bool statem_engine::start_machine() {
  if (auto claimed = claim_start_name(*this, start_); !claimed) {  // OTP: {error, {already_started, Pid}}
    acknowledge_start(start_outcome::name_taken, exit_reason::shutdown(claimed.error().message()));
    stopping_ = true;
    stop(exit_reason::normal());
    return false;
  }
  named_ = std::holds_alternative<via>(start_.name);
  std::optional<result<statem_transition>> r;
  try {
    r = run_init();
  } catch (const std::exception& ex) {
    return fail_start(exit_reason::error(ex.what()));  // as a crash in init: the error, no terminate
  }
  if (!*r) return fail_start(exit_reason::error("init failed: " + r->error().message()));
  statem_transition& t = **r;
  if (t.what() == statem_transition::kind::stop) return fail_start(t.reason());  // OTP {stop, Reason}
  if (t.what() != statem_transition::kind::next)
    throw std::logic_error("gen_statem init must return next_state(initial state)");
  state_ = t.target();
  running_ = true;
  auto p = run_actions(t);
  if (p.postpone) throw std::logic_error("gen_statem init cannot postpone: there is no event");
  for (auto& ev : p.inserted) queue_.push_back(std::move(ev));
  for (auto* a : p.timers) run_timer_action(*a);
  acknowledge_start(start_outcome::ok);  // before the first enter call, as OTP's init_ack
  run_enter(state_);  // OTP calls the initial state's enter with itself as the old state
  return true;
}

bool statem_engine::fail_start(exit_reason why) {
  acknowledge_start(start_outcome::failed, why);  // gen_statem:start_link returns {error, Reason}
  stopping_ = true;
  stop(std::move(why));
  return false;
}

void statem_engine::acknowledge_start(start_outcome outcome, exit_reason reason) {
  if (start_.ack == 0) return;
  send(start_.starter, started_msg{start_.ack, self(), outcome, std::move(reason)});
  start_.ack = 0;
}

void statem_engine::on_message(envelope& e) {
  restore_adopted();
  struct adopt_guard {
    statem_engine& self;
    envelope& e;
    ~adopt_guard() { self.adopt_if_held(e); }
  } guard{*this, e};
  if (stopping_) return;
  if (holds<statem_timer_fired>(e))
    on_timer_fired(payload<statem_timer_fired>(e).id);
  else
    handle(queued_event(&e, false, classify(e)));
  drain();
}

void statem_engine::on_exit(const exit_reason& reason) {
  restore_adopted();
  cancel_all_timers();
  if (running_) run_terminate(reason);
  queue_.clear();
  postponed_.clear();
  if (named_) release_start_name(*this, start_);
  named_ = false;
}

// --- events --------------------------------------------------------------------------------------

void statem_engine::drain() {
  while (!stopping_ && !queue_.empty()) {
    queued_event ev = std::move(queue_.front());
    queue_.pop_front();
    if (holds<statem_timer_fired>(*ev.env))
      on_timer_fired(payload<statem_timer_fired>(*ev.env).id);
    else
      handle(std::move(ev));
  }
}

void statem_engine::handle(queued_event ev) {
  cancel_slot(event_timer_);  // any event cancels the event timeout
  statem_event view(ev.type, *ev.env, ev.timeout_name);
  auto t = find_handler(*ev.env, view);
  if (!t) return unmatched_event(*ev.env, view);
  apply(std::move(*t), std::move(ev));
}

std::optional<statem_transition> statem_engine::find_handler(envelope& e, statem_event& ev) {
  if (auto* s = entry(state_)) {
    for (auto& set : s->handlers)
      if (auto t = set->dispatch(e, ev, *this)) return t;
  }
  for (auto& set : any_state_handlers_)
    if (auto t = set->dispatch(e, ev, *this)) return t;
  return std::nullopt;
}

void statem_engine::apply(statem_transition t, std::optional<queued_event> ev) {
  if (stop_now(t)) return;
  auto p = run_actions(t);
  state_id old = state_;
  bool changed = t.what() == statem_transition::kind::next && t.target() != state_;
  if (p.postpone && ev) postponed_.push_back(std::move(*ev));
  if (t.what() == statem_transition::kind::next) state_ = t.target();
  if (changed) {
    cancel_slot(state_timer_);
    retry_postponed();
  }
  for (auto it = p.inserted.rbegin(); it != p.inserted.rend(); ++it) queue_.push_front(std::move(*it));
  for (auto* a : p.timers) run_timer_action(*a);
  if (changed || t.what() == statem_transition::kind::repeat) run_enter(old);
}

statem_engine::pending_actions statem_engine::run_actions(statem_transition& t) {
  pending_actions p;
  for (auto& a : t.actions()) {
    switch (a.what) {
      case statem_action::kind::reply: send_reply(a); break;
      case statem_action::kind::postpone: p.postpone = true; break;
      case statem_action::kind::next_event:
        p.inserted.emplace_back(a.message.release(), true, statem_event_type::internal);
        break;
      case statem_action::kind::start_timer:
      case statem_action::kind::cancel_timer:
      case statem_action::kind::update_timer: p.timers.push_back(&a); break;
    }
  }
  return p;
}

void statem_engine::run_enter(state_id old) {
  auto* s = entry(state_);
  if (s == nullptr || !s->on_enter) return;
  statem_transition t = s->on_enter(old);
  if (t.what() == statem_transition::kind::next && t.target() != state_)
    throw std::logic_error("a gen_statem enter handler cannot change the state");
  if (stop_now(t)) return;
  auto p = run_actions(t);
  if (p.postpone || !p.inserted.empty())
    throw std::logic_error("a gen_statem enter handler cannot postpone or insert events");
  for (auto* a : p.timers) run_timer_action(*a);
}

void statem_engine::retry_postponed() {
  // Oldest first, ahead of everything not yet handled.
  while (!postponed_.empty()) {
    queue_.push_front(std::move(postponed_.back()));
    postponed_.pop_back();
  }
}

bool statem_engine::stop_now(statem_transition& t) {
  if (t.what() != statem_transition::kind::stop) return false;
  for (auto& a : t.actions())
    if (a.what == statem_action::kind::reply) send_reply(a);  // OTP stop_and_reply
  stopping_ = true;
  stop(t.reason());
  return true;
}

void statem_engine::send_reply(statem_action& a) {
  if (!a.to || !a.message) return;
  a.message->from = self();
  a.message->correlation = a.to.ref | envelope::reply_bit;
  send_envelope(a.to.caller, std::move(a.message));
}

// --- timeouts ------------------------------------------------------------------------------------

void statem_engine::run_timer_action(statem_action& a) {
  if (a.timer == statem_timer::named && a.what == statem_action::kind::cancel_timer) {
    if (auto it = named_timers_.find(a.name); it != named_timers_.end()) {
      cancel_slot(it->second);
      named_timers_.erase(it);
    }
    return;
  }
  timer_slot& slot = a.timer == statem_timer::state   ? state_timer_
                     : a.timer == statem_timer::event ? event_timer_
                                                      : named_timers_[a.name];
  if (a.what == statem_action::kind::cancel_timer) return cancel_slot(slot);
  if (a.what == statem_action::kind::update_timer) {
    // OTP: a running timeout keeps its expiry and takes the new content; none running, and the
    // event is inserted as a zero timeout's would be.
    if (slot.id != 0) return void(slot.content = std::move(a.message));
    return start_timer(slot, duration::zero(), std::move(a.message));
  }
  if (a.absolute) return start_timer_at(slot, a.at, std::move(a.message));
  // A zero event timeout with an event already waiting would be cancelled by it at once (OTP).
  if (a.timer == statem_timer::event && a.after.count() <= 0 && (!queue_.empty() || mailbox_size() > 0))
    return cancel_slot(slot);
  start_timer(slot, a.after, std::move(a.message));
}

void statem_engine::start_timer(timer_slot& slot, duration after, envelope_ptr content) {
  cancel_slot(slot);
  slot.id = ++next_timer_id_;
  slot.content = std::move(content);
  if (after.count() <= 0) {
    queue_.emplace_back(make_envelope<statem_timer_fired>(self(), statem_timer_fired{slot.id}).release(), true,
                        statem_event_type::internal);
  } else {
    slot.timer = send_after(self(), after, statem_timer_fired{slot.id});
  }
}

void statem_engine::start_timer_at(timer_slot& slot, time_point deadline, envelope_ptr content) {
  cancel_slot(slot);
  slot.id = ++next_timer_id_;
  slot.content = std::move(content);
  slot.timer = send_at(self(), deadline, statem_timer_fired{slot.id});
}

void statem_engine::cancel_slot(timer_slot& slot) noexcept {
  if (slot.id == 0) return;
  if (slot.timer) cancel_timer(slot.timer);
  slot = timer_slot{};
}

void statem_engine::on_timer_fired(std::uint64_t id) {
  statem_event_type type;
  std::string name;
  envelope_ptr content;
  if (state_timer_.id == id) {
    type = statem_event_type::state_timeout;
    content = std::exchange(state_timer_, {}).content;
  } else if (event_timer_.id == id) {
    type = statem_event_type::event_timeout;
    content = std::exchange(event_timer_, {}).content;
  } else {
    auto it = std::find_if(named_timers_.begin(), named_timers_.end(), [id](auto& n) { return n.second.id == id; });
    if (it == named_timers_.end()) return;  // cancelled or restarted since
    type = statem_event_type::named_timeout;
    name = it->first;
    content = std::move(it->second.content);
    named_timers_.erase(it);
  }
  handle(queued_event(content.release(), true, type, std::move(name)));
}

void statem_engine::cancel_all_timers() noexcept {
  cancel_slot(state_timer_);
  cancel_slot(event_timer_);
  for (auto& [name, slot] : named_timers_) cancel_slot(slot);
  named_timers_.clear();
}

// --- mailbox message ownership -------------------------------------------------------------------

void statem_engine::adopt_if_held(envelope& e) noexcept {
  auto adopt = [&](queued_event& q) {
    if (q.env != &e || q.owned) return false;
    q.owned = true;
    adopted_.emplace_back(&e, e.type);
    e.type = &adopted_type;
    return true;
  };
  for (auto& q : postponed_)
    if (adopt(q)) return;
  for (auto& q : queue_)
    if (adopt(q)) return;
}

void statem_engine::restore_adopted() noexcept {
  for (auto& [env, type] : adopted_) env->type = type;
  adopted_.clear();
}

}  // namespace troupe::detail
