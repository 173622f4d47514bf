#include "troupe/node/actor.hpp"

#include <algorithm>
#include <exception>

#include "troupe/node/actor_system.hpp"
#include "troupe/node/log.hpp"
#include "troupe/node/log_limiter.hpp"
#include "troupe/node/spawner.hpp"
#include "troupe/node/sys_support.hpp"
#include "troupe/node/unhandled_call.hpp"

namespace troupe {
namespace {

template <class Vec, class Pred>
bool erase_first(Vec& v, Pred pred) {
  auto it = std::find_if(v.begin(), v.end(), pred);
  if (it == v.end()) return false;
  v.erase(it);
  return true;
}

/// The process whose turn runs on this thread (executor turns only), for park_current_process.
thread_local actor* running_turn = nullptr;

}  // namespace

actor::actor()
    : started_at_us_(std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count()) {}

actor::~actor() { local_clear(); }

void intrusive_add_ref(actor* a) noexcept { a->refs_.fetch_add(1, std::memory_order_relaxed); }

void intrusive_release(actor* a) noexcept {
  if (a->refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete a;
}

void detail::run_turn(actor* a) noexcept {
  a->resume();
  intrusive_release(a);
}

pid actor::sender() const noexcept { return current_ ? current_->from : pid{}; }

std::uint64_t actor::mailbox_size() const noexcept {
  return inbox_.size() + local_size_.load(std::memory_order_relaxed);
}

// --- scheduling -----------------------------------------------------------------------------

bool actor::push(envelope* e) noexcept {
  inbox_.push(e);
  // Dekker pair with finish_turn(): either we see scheduled_ == false, or the owner's re-check
  // after clearing it sees our envelope. Both sides use seq_cst for that reason.
  return !scheduled_.load(std::memory_order_seq_cst) && !scheduled_.exchange(true, std::memory_order_seq_cst);
}

void actor::wake() noexcept { system_->executor().schedule(this); }

void actor::resume() noexcept {
  if (terminated_) return;
  actor* const outer = std::exchange(running_turn, this);
  struct restore {
    actor* outer;
    ~restore() { running_turn = outer; }
  } restore_running{outer};
  status_.store(process_status::running, std::memory_order_relaxed);
  ++turns_;
  if (!started_) {
    started_ = true;
    guarded([this] {
      behavior_ = make_behavior();
      on_start();
    });
  }
  std::size_t budget = system_->config().batch;
  while (!exit_ && budget > 0 && park_at_ == nullptr) {
    if (urgent_.load(std::memory_order_relaxed) != 0) break;
    envelope* e = local_pop();
    if (e == nullptr) {
      if (!drain_inbox(budget)) break;
      continue;
    }
    --budget;
    dispatch(e);
  }
  if (auto u = urgent_.load(std::memory_order_acquire); u == urgent_kill)
    exit_ = std::make_unique<exit_reason>(exit_reason::killed());  // a kill overrides any other exit
  else if (u == urgent_shutdown && !exit_)
    request_exit(exit_reason::shutdown());
  if (exit_) {
    park_at_ = nullptr;
    terminate();
    return;
  }
  running_turn = outer;  // from here another thread may run this process
  if (park_at_ != nullptr && park_at_gate()) [[unlikely]]
    return;
  finish_turn();
}

bool actor::park_at_gate() noexcept {
  park_gate* gate = std::exchange(park_at_, nullptr);
  status_.store(process_status::waiting, std::memory_order_relaxed);
  intrusive_add_ref(this);  // the gate's, handed to the turn unpark schedules
  if (gate->park(this)) return true;
  intrusive_release(this);  // never the last: the running turn holds one
  status_.store(process_status::running, std::memory_order_relaxed);
  return false;
}

bool park_current_process(park_gate& gate) noexcept {
  actor* a = running_turn;
  if (a == nullptr) return false;
  a->park_at_ = &gate;
  return true;
}

void unpark(actor* a) noexcept {
  a->status_.store(process_status::runnable, std::memory_order_relaxed);
  a->wake();
}

void actor::finish_turn() noexcept {
  // Still work to do: keep the turn token and queue another turn (fairness: others run first).
  if (local_head_ != nullptr || !inbox_.empty()) {
    status_.store(process_status::runnable, std::memory_order_relaxed);
    intrusive_add_ref(this);
    wake();
    return;
  }
  status_.store(process_status::waiting, std::memory_order_relaxed);
  scheduled_.store(false, std::memory_order_seq_cst);
  // From here another thread may own the process: touch only the producers' end. A push that
  // came after our check either saw scheduled_ == false (and woke us) or is visible here.
  if (!inbox_.untouched_since_empty() && !scheduled_.exchange(true, std::memory_order_seq_cst)) {
    intrusive_add_ref(this);
    wake();
  }
}

bool actor::drain_inbox(std::size_t limit) {
  bool moved = false;
  // Signals act at once (as Erlang's do); messages keep their order in the local queue. The
  // bound keeps one turn short when producers outrun the process.
  for (std::size_t n = 0; n < limit * 4 && !exit_; ++n) {
    envelope* e = inbox_.try_pop();
    if (e == nullptr) break;
    moved = true;
    if (e->type->signal) {
      bool keep = false;
      guarded([&] { keep = handle_signal(*e); });
      if (keep)
        local_push(e);
      else
        destroy_envelope(e);
    } else {
      local_push(e);
    }
  }
  if (moved) note_high_water();
  return moved;
}

void actor::dispatch(envelope* raw) {
  // One test on the common path: a sys request, or a sys switch (suspended, tracing) is on.
  if (raw->type->system || sys_flags_.load(std::memory_order_relaxed) != 0) [[unlikely]]
    return dispatch_debug(raw);
  deliver_to_handlers(envelope_ptr(raw), false);
}

void actor::deliver_to_handlers(envelope_ptr e, bool traced) {
  if (holds<detail::timed_message>(*e)) {
    auto& t = payload<detail::timed_message>(*e);
    if (!t.state->try_deliver()) return;  // cancelled after it fired
    e = std::move(t.inner);
    if (e->type->system) [[unlikely]]
      return handle_system_message(std::move(e));
  }
  if (traced) [[unlikely]]
    trace_in(*e);
  if (receive_timeout_.count() > 0 && timeout_kind_ == receive_timeout_kind::once) disarm_receive_timeout();
  if (e->is_reply() || pending_) {
    bool consumed = false;
    guarded([&] { consumed = intercept_call_traffic(*e); });
    if (consumed) return;
  }
  current_ = e.get();
  guarded([&] { on_message(*e); });
  current_ = nullptr;
  handled_.store(handled_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  if (receive_timeout_.count() > 0) note_activity();
}

template <class F>
bool actor::guarded(F&& f) noexcept {
  try {
    f();
    return true;
  } catch (const std::exception& ex) {
    request_exit(exit_reason::error(ex.what()));
  } catch (...) {
    request_exit(exit_reason::error("unknown exception"));
  }
  return false;
}

void actor::on_message(envelope& e) {
  if (!behavior_.dispatch(e, *this)) unhandled(e);
}

void actor::on_exit(const exit_reason&) {}

void actor::unhandled(envelope& e) {
  system_->counters().unhandled.fetch_add(1, std::memory_order_relaxed);
  // Answer a call in the process's place: else its caller waits out the whole timeout.
  if (e.is_call() && !e.from.is_null())
    detail::send_reply(*this, e, make_envelope<unhandled_call>(pid{}, unhandled_call{std::string(e.type->name), self_}));
  // A flood of one type from one node must not become a flood of lines (docs/runtime.md).
  static log_limiter lines;
  log_limited(lines, e.type->name, e.from.node, system_->clock().now(), [&] {
    log()->warn("{} has no handler for message '{}' from {}; dropped", self_.to_string(), e.type->name,
                e.from.to_string());
  });
}

// --- local message queue ----------------------------------------------------------------------

void actor::local_push(envelope* e) noexcept {
  e->next.store(nullptr, std::memory_order_relaxed);
  if (local_tail_ != nullptr)
    local_tail_->next.store(e, std::memory_order_relaxed);
  else
    local_head_ = e;
  local_tail_ = e;
  local_size_.store(local_size_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  ++received_;
}

envelope* actor::local_pop() noexcept {
  envelope* e = local_head_;
  if (e == nullptr) return nullptr;
  local_head_ = e->next_envelope();
  if (local_head_ == nullptr) local_tail_ = nullptr;
  local_size_.store(local_size_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
  return e;
}

void actor::local_clear() noexcept {
  while (envelope* e = local_pop()) destroy_envelope(e);
  clear_held();
}

envelope* actor::local_take_if(const std::function<bool(envelope&)>& pred) noexcept {
  envelope* prev = nullptr;
  for (envelope* e = local_head_; e != nullptr; prev = e, e = e->next_envelope()) {
    if (!pred(*e)) continue;
    envelope* next = e->next_envelope();
    if (prev != nullptr)
      prev->next.store(next, std::memory_order_relaxed);
    else
      local_head_ = next;
    if (local_tail_ == e) local_tail_ = prev;
    local_size_.store(local_size_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
    return e;
  }
  return nullptr;
}

void actor::flush_down(ref_id ref) noexcept {
  while (envelope* e = local_take_if([ref](envelope& x) { return holds<down_msg>(x) && payload<down_msg>(x).ref == ref; }))
    destroy_envelope(e);
}

// --- links, monitors, exits -------------------------------------------------------------------

void actor::link(const pid& other) {
  if (other == self_ || other.is_null()) return;
  {
    std::lock_guard lock(info_lock_);
    if (std::find(links_.begin(), links_.end(), other) != links_.end()) return;
    links_.push_back(other);
  }
  system_->deliver(other, make_envelope<signals::link>(self_));
}

void actor::unlink(const pid& other) {
  bool was_linked;
  {
    std::lock_guard lock(info_lock_);
    was_linked = erase_first(links_, [&](const pid& p) { return p == other; });
  }
  if (was_linked) system_->deliver(other, make_envelope<signals::unlink>(self_));
}

ref_id actor::monitor(const pid& other) {
  ref_id ref = system_->make_ref();
  {
    std::lock_guard lock(info_lock_);
    monitors_.emplace_back(ref, other);
  }
  system_->deliver(other, make_envelope<signals::monitor>(self_, signals::monitor{ref}));
  return ref;
}

ref_id actor::monitor(std::string_view name) {
  if (auto p = system_->whereis(name)) return monitor(*p);
  // Nobody holds the name: a DOWN(noproc) through the signal path, so that demonitor (with or
  // without a flush) works on it as on any other monitor.
  ref_id ref = system_->make_ref();
  {
    std::lock_guard lock(info_lock_);
    monitors_.emplace_back(ref, pid{});
  }
  system_->deliver(self_, make_envelope<signals::down>(pid{}, signals::down{ref, exit_reason::noproc()}));
  return ref;
}

ref_id actor::monitor(std::string_view name, std::string_view node) {
  if (node == system_->node_name()) return monitor(name);
  ref_id ref = system_->make_ref();
  {
    std::lock_guard lock(info_lock_);
    monitors_.emplace_back(ref, pid{});
    name_monitors_.push_back(name_monitor{ref, std::string(node), std::string(name)});
  }
  system_->deliver_to_name(node, name, make_envelope<signals::monitor>(self_, signals::monitor{ref}));
  return ref;
}

bool actor::demonitor(ref_id ref) {
  pid target;
  std::optional<name_monitor> by_name;
  {
    std::lock_guard lock(info_lock_);
    auto it = std::find_if(monitors_.begin(), monitors_.end(), [&](auto& m) { return m.first == ref; });
    if (it != monitors_.end()) {
      target = it->second;
      monitors_.erase(it);
    }
    by_name = take_name_monitor(ref);
  }
  flush_down(ref);
  if (by_name) {  // the far node resolves the name again, as Erlang's demonitor of {Name, Node}
    system_->deliver_to_name(by_name->node, by_name->name, make_envelope<signals::demonitor>(self_, signals::demonitor{ref}));
    return true;
  }
  if (target.is_null()) return false;
  system_->deliver(target, make_envelope<signals::demonitor>(self_, signals::demonitor{ref}));
  return true;
}

void actor::release_spare_memory() noexcept {
  {
    std::lock_guard lock(info_lock_);
    links_.shrink_to_fit();
    monitors_.shrink_to_fit();
    name_monitors_.shrink_to_fit();
    watchers_.shrink_to_fit();
  }
  if (pending_ && pending_->empty()) pending_.reset();  // allocated again on the next request
}

std::optional<actor::name_monitor> actor::take_name_monitor(ref_id ref) {
  auto it = std::find_if(name_monitors_.begin(), name_monitors_.end(), [&](auto& m) { return m.ref == ref; });
  if (it == name_monitors_.end()) return std::nullopt;
  name_monitor m = std::move(*it);
  name_monitors_.erase(it);
  return m;
}

void actor::exit(const pid& target, exit_reason reason) {
  system_->deliver(target, make_envelope<signals::exit>(self_, signals::exit{std::move(reason), false}));
}

void actor::stop(exit_reason reason) { request_exit(std::move(reason)); }

void actor::request_exit(exit_reason reason) {
  if (!exit_) exit_ = std::make_unique<exit_reason>(std::move(reason));
}

bool actor::handle_signal(envelope& e) {
  if (holds<spawn_reply>(e)) {
    // The link or monitor the spawner set up on the child's side takes effect here, in signal
    // order, so an exit the child sends right after cannot overtake it.
    auto& r = payload<spawn_reply>(e);
    std::lock_guard lock(info_lock_);
    if (r.child && r.linked && std::find(links_.begin(), links_.end(), r.child) == links_.end()) links_.push_back(r.child);
    if (r.child && r.monitor_ref) monitors_.emplace_back(r.monitor_ref, r.child);
    return true;  // then handled as the reply to the spawn request
  }
  if (holds<signals::exit>(e)) {
    auto& s = payload<signals::exit>(e);
    on_exit_signal(e.from, s.reason, s.linked);
  } else if (holds<signals::link>(e)) {
    std::lock_guard lock(info_lock_);
    if (std::find(links_.begin(), links_.end(), e.from) == links_.end()) links_.push_back(e.from);
  } else if (holds<signals::unlink>(e)) {
    std::lock_guard lock(info_lock_);
    erase_first(links_, [&](const pid& p) { return p == e.from; });
  } else if (holds<signals::monitor>(e)) {
    std::lock_guard lock(info_lock_);
    watchers_.emplace_back(payload<signals::monitor>(e).ref, e.from);
  } else if (holds<signals::demonitor>(e)) {
    auto ref = payload<signals::demonitor>(e).ref;
    std::lock_guard lock(info_lock_);
    erase_first(watchers_, [&](auto& w) { return w.first == ref && w.second == e.from; });
  } else if (holds<signals::down>(e)) {
    auto& s = payload<signals::down>(e);
    on_down_signal(e.from, s.ref, s.reason);
  } else if (holds<signals::node_shutdown>(e)) {
    request_exit(exit_reason::shutdown());
  } else if (holds<detail::receive_tick>(e)) {
    on_receive_tick(payload<detail::receive_tick>(e).generation);
  }
  return false;
}

void actor::on_exit_signal(const pid& from, const exit_reason& reason, bool linked) {
  if (linked) {
    std::lock_guard lock(info_lock_);
    if (!erase_first(links_, [&](const pid& p) { return p == from; })) return;  // unlinked meanwhile
  }
  if (!linked && reason == exit_reason::kind::kill) return request_exit(exit_reason::killed());
  if (trap_exit_.load(std::memory_order_relaxed)) return local_push(make_envelope<exit_msg>(from, exit_msg{from, reason}).release());
  if (reason.is_normal()) {
    if (!linked && from == self_) request_exit(reason);  // exit(self(), normal) does end the caller
    return;
  }
  request_exit(reason);
}

void actor::on_down_signal(const pid& from, ref_id ref, const exit_reason& reason) {
  {
    std::lock_guard lock(info_lock_);
    if (!erase_first(monitors_, [&](auto& m) { return m.first == ref; })) return;  // demonitored
    if (!name_monitors_.empty()) take_name_monitor(ref);
  }
  local_push(make_envelope<down_msg>(from, down_msg{ref, from, reason}).release());
}

// --- calls ----------------------------------------------------------------------------------------------

void detail::send_reply(actor& self, const envelope& request, envelope_ptr reply) {
  reply->correlation = request.correlation | envelope::reply_bit;
  self.send_envelope(request.from, std::move(reply));
}

void actor::send_envelope(const pid& to, envelope_ptr e) {
  e->from = self_;
  ++sent_;
  if (sys_flags_.load(std::memory_order_relaxed) & sys_tracing) [[unlikely]]
    trace_out(to, *e);
  system_->deliver(to, std::move(e));
}

reply_to actor::current_call() const noexcept {
  if (current_ == nullptr || !current_->is_call()) return {};
  return reply_to{current_->from, current_->correlation};
}

void actor::start_request(const pid& to, envelope_ptr req, duration timeout,
                          std::function<void(envelope*, const error*)> done) {
  // As gen:call does: monitor the server for the call's duration, so its death (or absence)
  // ends the call at once instead of at the timeout.
  ref_id ref = system_->make_ref();
  if (!pending_) pending_ = std::make_unique<std::unordered_map<ref_id, pending_call>>();
  auto& p = (*pending_)[ref];
  p.done = std::move(done);
  p.monitor = monitor(to);
  p.timer = send_after(self_, timeout, detail::call_timeout{ref});
  req->correlation = ref;
  send_envelope(to, std::move(req));
}

bool actor::intercept_call_traffic(envelope& e) {
  if (e.is_reply()) {
    finish_request(e.correlation & ~envelope::reply_bit, &e, nullptr);
    return true;  // a reply to a call that already ended is dropped: it never leaks into another
  }
  if (holds<detail::call_timeout>(e)) {
    auto ref = payload<detail::call_timeout>(e).ref;
    error err(errc::timeout, "no reply within the call timeout");
    finish_request(ref, nullptr, &err);
    return true;
  }
  if (holds<down_msg>(e)) {
    auto& d = payload<down_msg>(e);
    for (auto& [ref, p] : *pending_) {
      if (p.monitor != d.ref) continue;
      error err = d.reason == exit_reason::kind::noproc
                      ? error(errc::noproc, d.who.to_string() + " does not exist")
                      : error(d.reason == exit_reason::kind::noconnection ? errc::noconnection : errc::exited,
                              d.who.to_string() + " exited: " + d.reason.to_string());
      p.monitor = 0;  // it fired: nothing to demonitor
      finish_request(ref, nullptr, &err);
      return true;
    }
  }
  return false;
}

void actor::finish_request(ref_id ref, envelope* reply, const error* err) {
  if (!pending_) return;
  auto it = pending_->find(ref);
  if (it == pending_->end()) return;
  pending_call p = std::move(it->second);
  pending_->erase(it);
  if (p.monitor) demonitor(p.monitor);
  system_->cancel_timer(p.timer);
  if (reply && holds<unhandled_call>(*reply)) {  // the target had no handler: an error, not an answer
    error why = unhandled_call_error(payload<unhandled_call>(*reply));
    return p.done(nullptr, &why);
  }
  current_ = reply;
  p.done(reply, err);
  current_ = nullptr;
}

// --- receive timeout ----------------------------------------------------------------------------

void actor::set_receive_timeout(duration d, receive_timeout_kind kind) {
  disarm_receive_timeout();
  if (d.count() <= 0) return;
  receive_timeout_ = d;
  timeout_kind_ = kind;
  note_activity();
  arm_receive_timer(d);
}

void actor::disarm_receive_timeout() {
  receive_timeout_ = {};
  ++timeout_generation_;
  system_->cancel_timer(receive_timer_);
  receive_timer_ = {};
}

void actor::note_activity() { last_activity_ = system_->clock().now(); }

void actor::arm_receive_timer(duration after) {
  auto* sys = system_;
  auto me = self_;
  auto gen = timeout_generation_;
  receive_timer_ = sys->start_timer(sys->clock().now() + after, [sys, me, gen] {
    sys->deliver(me, make_envelope<detail::receive_tick>(me, detail::receive_tick{gen}));
  });
}

void actor::on_receive_tick(std::uint64_t generation) {
  if (receive_timeout_.count() <= 0 || generation != timeout_generation_) return;  // stale
  // One timer per idle period instead of one per message: on each tick, check how long the
  // process has really been idle and either fire or sleep for the rest.
  auto idle = system_->clock().now() - last_activity_;
  if (idle >= receive_timeout_ && local_head_ == nullptr) {
    local_push(make_envelope<timeout_msg>(self_).release());
    if (timeout_kind_ == receive_timeout_kind::once) return disarm_receive_timeout();
    note_activity();
    arm_receive_timer(receive_timeout_);
  } else {
    arm_receive_timer(std::max(receive_timeout_ - idle, duration(1)));
  }
}

bool actor::cancel_timer(const timer_handle& t) noexcept { return system_->cancel_timer(t); }

std::optional<duration> actor::read_timer(const timer_handle& t) const noexcept { return system_->read_timer(t); }

// --- termination --------------------------------------------------------------------------------

void actor::terminate() noexcept {
  if (terminated_) return;
  terminated_ = true;
  status_.store(process_status::exiting, std::memory_order_relaxed);
  exit_reason reason = exit_ ? *exit_ : exit_reason::normal();
  disarm_receive_timeout();
  try {
    on_exit(reason);
  } catch (const std::exception& ex) {
    log()->error("{} threw from on_exit: {}", self_.to_string(), ex.what());
  } catch (...) {
    log()->error("{} threw from on_exit", self_.to_string());
  }
  system_->remove(*this);  // from here on, nothing new reaches the inbox
  reject_pending_signals(reason);
  notify_links_and_watchers(reason);
  auto dropped = local_size_.load(std::memory_order_relaxed);
  if (dropped) system_->counters().dropped_on_exit.fetch_add(dropped, std::memory_order_relaxed);
  local_clear();
  behavior_ = {};
}

void actor::reject_pending_signals(const exit_reason& reason) noexcept {
  // Links and monitors that arrived before the process left the table were established: they
  // get the real exit reason, like the ones set up earlier.
  std::uint64_t dropped = 0;
  while (envelope* raw = inbox_.try_pop()) {
    envelope_ptr e(raw);
    if (holds<signals::link>(*e)) {
      std::lock_guard lock(info_lock_);
      links_.push_back(e->from);
    } else if (holds<signals::monitor>(*e)) {
      std::lock_guard lock(info_lock_);
      watchers_.emplace_back(payload<signals::monitor>(*e).ref, e->from);
    } else if (holds<signals::unlink>(*e)) {
      std::lock_guard lock(info_lock_);
      erase_first(links_, [&](const pid& p) { return p == e->from; });
    } else if (holds<signals::demonitor>(*e)) {
      auto ref = payload<signals::demonitor>(*e).ref;
      std::lock_guard lock(info_lock_);
      erase_first(watchers_, [&](auto& w) { return w.first == ref; });
    } else if (holds<spawn_reply>(*e)) {
      // A child spawned for us, linked or monitored, must learn we are gone.
      auto& r = payload<spawn_reply>(*e);
      std::lock_guard lock(info_lock_);
      if (r.child && r.linked) links_.push_back(r.child);
      if (r.child && r.monitor_ref) monitors_.emplace_back(r.monitor_ref, r.child);
    } else if (!e->type->signal) {
      ++dropped;
    }
  }
  (void)reason;
  if (dropped) system_->counters().dropped_on_exit.fetch_add(dropped, std::memory_order_relaxed);
}

void actor::notify_links_and_watchers(const exit_reason& reason) {
  // The reason goes out as it is. Only exit(Pid, kill) is untrappable and becomes `killed`, and
  // on_exit_signal has already turned it into that; a process that ends with reason `kill` of
  // its own accord sends an ordinary signal with reason `kill`, as in OTP.
  std::vector<pid> links;
  std::vector<std::pair<ref_id, pid>> watchers, monitors;
  std::vector<name_monitor> by_name;
  {
    std::lock_guard lock(info_lock_);
    links.swap(links_);
    watchers.swap(watchers_);
    monitors.swap(monitors_);
    by_name.swap(name_monitors_);
  }
  for (auto& p : links) system_->deliver(p, make_envelope<signals::exit>(self_, signals::exit{reason, true}));
  for (auto& [ref, p] : watchers) system_->deliver(p, make_envelope<signals::down>(self_, signals::down{ref, reason}));
  for (auto& [ref, p] : monitors)
    if (!p.is_null()) system_->deliver(p, make_envelope<signals::demonitor>(self_, signals::demonitor{ref}));
  for (auto& m : by_name)
    system_->deliver_to_name(m.node, m.name, make_envelope<signals::demonitor>(self_, signals::demonitor{m.ref}));
}

// --- introspection --------------------------------------------------------------------------------

process_info actor::info() const {
  process_info i;
  i.self = self_;
  i.status = status_.load(std::memory_order_relaxed);
  i.mailbox_length = mailbox_size();
  i.messages_handled = handled_.load(std::memory_order_relaxed);
  i.mailbox_high_water = high_water_.load(std::memory_order_relaxed);
  i.suspended = (sys_flags_.load(std::memory_order_relaxed) & sys_suspended) != 0;
  std::lock_guard lock(info_lock_);
  i.trap_exit = trap_exit_.load(std::memory_order_relaxed);
  i.registered_name = name_;
  i.links = links_;
  for (auto& m : monitors_) i.monitors.push_back(m.second);
  for (auto& w : watchers_) i.monitored_by.push_back(w.second);
  return i;
}

const char* to_string(process_status s) noexcept {
  switch (s) {
    case process_status::runnable: return "runnable";
    case process_status::running: return "running";
    case process_status::waiting: return "waiting";
    case process_status::exiting: return "exiting";
  }
  return "unknown";
}

}  // namespace troupe
