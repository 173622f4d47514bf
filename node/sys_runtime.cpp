// The runtime's side of sys (node/sys.hpp): answering sys requests for every process,
// suspension, the trace and the counters behind sys::statistics.
//
// Sys requests are ordinary messages in the queue, so they are ordered with what the same sender
// sent before. `actor::dispatch` sends them here instead of to the handlers. While a process is
// suspended, every other message it takes from its queue is put aside ("held"), in order, and
// spliced back in front of its queue on resume: a held message costs nothing more than a queued
// one, and a long queue is never rescanned.

#include <algorithm>
#include <chrono>

#include "troupe/node/actor.hpp"
#include "troupe/node/actor_system.hpp"
#include "troupe/node/log.hpp"
#include "troupe/node/sys_messages.hpp"
#include "troupe/node/sys_support.hpp"

namespace troupe {
namespace {

constexpr std::uint32_t default_trace_capacity = 256;
constexpr std::uint32_t max_trace_capacity = 65536;

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const char* kind_of(std::uint64_t correlation) {
  if ((correlation & envelope::reply_bit) != 0) return "reply";
  return correlation != 0 ? "call" : "message";
}

sys::state_reply state_failure(const error& err) { return {false, err.message(), {}, to_string(err.code())}; }

sys::trace_event to_event(const detail::trace_record& r) {
  return {r.time_us, r.out ? "out" : "in", r.peer, std::string(r.type->name), kind_of(r.correlation)};
}

}  // namespace

/// One small answer per sys request, with access to the process's insides.
struct detail::sys_handlers {
  static sys::state_reply state_of(actor& a) {
    auto s = a.sys_get_state();
    if (!s) return state_failure(s.error());
    return {true, {}, std::move(*s), {}};
  }

  static sys::state_reply get_state(actor& a) {
    try {
      return state_of(a);
    } catch (const std::exception& ex) {
      return state_failure(error(errc::codec, std::string("encoding the state failed: ") + ex.what()));
    }
  }

  static sys::state_reply replace_state(actor& a, const sys::replace_state_request& r) {
    try {
      msgpack::object_handle h;
      if (!r.state.bytes.empty()) h = msgpack::unpack(r.state.bytes.data(), r.state.bytes.size());
      if (auto done = a.sys_replace_state(h.get()); !done) return state_failure(done.error());
      return state_of(a);
    } catch (const std::exception& ex) {
      return state_failure(error(errc::codec, std::string("replacing the state failed: ") + ex.what()));
    }
  }

  static void set_flag(actor& a, std::uint8_t flag, bool on) {
    auto f = a.sys_flags_.load(std::memory_order_relaxed);
    a.sys_flags_.store(on ? f | flag : f & ~flag, std::memory_order_relaxed);
  }

  static sys::done_reply suspend(actor& a) {
    a.sys_support();  // held messages live there
    set_flag(a, actor::sys_suspended, true);
    return {};
  }

  static sys::done_reply resume(actor& a) {
    set_flag(a, actor::sys_suspended, false);
    a.release_held();
    return {};
  }

  static sys::process_statistics statistics(actor& a) {
    sys::process_statistics s;
    s.started_at_us = a.started_at_us_;
    s.now_us = now_us();
    s.messages_received = a.received_;
    s.messages_handled = a.handled_.load(std::memory_order_relaxed);
    s.messages_sent = a.sent_;
    s.turns = a.turns_;
    s.mailbox_length = a.mailbox_size();
    s.mailbox_high_water = std::max(a.high_water_.load(std::memory_order_relaxed), s.mailbox_length);
    auto flags = a.sys_flags_.load(std::memory_order_relaxed);
    s.status = (flags & actor::sys_suspended) != 0 ? "suspended" : "running";
    s.tracing = (flags & actor::sys_tracing) != 0;
    return s;
  }

  static sys::done_reply trace(actor& a, const sys::trace_request& t) {
    if (t.on) {
      auto& s = a.sys_support();
      s.trace.reset(std::min(t.capacity == 0 ? default_trace_capacity : t.capacity, max_trace_capacity));
      s.log_trace = t.log;
    }
    set_flag(a, actor::sys_tracing, t.on);
    return {};
  }

  static sys::trace_reply get_trace(actor& a, const sys::get_trace_request& r) {
    sys::trace_reply out;
    out.enabled = (a.sys_flags_.load(std::memory_order_relaxed) & actor::sys_tracing) != 0;
    if (!a.sys_) return out;
    for (auto& rec : a.sys_->trace.in_order()) out.events.push_back(to_event(rec));
    out.dropped = a.sys_->trace.dropped();
    if (r.clear) a.sys_->trace.clear();
    return out;
  }

  /// The answer to `e`; a sys type this runtime does not know gets a failed `done_reply`.
  static envelope_ptr answer(actor& a, envelope& e) {
    const pid me = a.self();
    if (holds<sys::get_state_request>(e)) return make_envelope<sys::state_reply>(me, get_state(a));
    if (holds<sys::replace_state_request>(e))
      return make_envelope<sys::state_reply>(me, replace_state(a, payload<sys::replace_state_request>(e)));
    if (holds<sys::suspend_request>(e)) return make_envelope<sys::done_reply>(me, suspend(a));
    if (holds<sys::resume_request>(e)) return make_envelope<sys::done_reply>(me, resume(a));
    if (holds<sys::statistics_request>(e)) return make_envelope<sys::process_statistics>(me, statistics(a));
    if (holds<sys::trace_request>(e)) return make_envelope<sys::done_reply>(me, trace(a, payload<sys::trace_request>(e)));
    if (holds<sys::get_trace_request>(e))
      return make_envelope<sys::trace_reply>(me, get_trace(a, payload<sys::get_trace_request>(e)));
    return make_envelope<sys::done_reply>(me, sys::done_reply{false, "unknown sys request '" + std::string(e.type->name) + "'"});
  }
};

// --- state ------------------------------------------------------------------------------------

detail::sys_support& actor::sys_support() {
  if (!sys_) sys_ = std::make_unique<detail::sys_support>();
  return *sys_;
}

void actor::set_state_access(detail::state_access access) { sys_support().state = std::move(access); }

result<msgpack_value> actor::sys_get_state() {
  if (!sys_ || !sys_->state.get)
    return fail(errc::not_found, self_.to_string() + " has no inspectable state (it exposes none: actor::expose_state)");
  msgpack::sbuffer b;
  sys_->state.get(b);
  return msgpack_value{{b.data(), b.data() + b.size()}};
}

result<void> actor::sys_replace_state(const msgpack::object& state) {
  if (!sys_ || !sys_->state.replace)
    return fail(errc::not_found, self_.to_string() + " has no inspectable state (it exposes none: actor::expose_state)");
  try {
    sys_->state.replace(state);
  } catch (const std::exception& ex) {
    return fail(errc::codec, "the new state does not fit the state of " + self_.to_string() + " (" + ex.what() + ")");
  }
  return {};
}

// --- requests and suspension ----------------------------------------------------------------------

void actor::dispatch_debug(envelope* raw) {
  if (raw->type->system) return handle_system_message(envelope_ptr(raw));
  auto flags = sys_flags_.load(std::memory_order_relaxed);
  if ((flags & sys_suspended) != 0 && must_hold(*raw)) return hold(raw);
  deliver_to_handlers(envelope_ptr(raw), (flags & sys_tracing) != 0);
}

void actor::handle_system_message(envelope_ptr e) {
  --received_;  // counted when queued; sys requests are not the process's own traffic
  envelope_ptr answer = detail::sys_handlers::answer(*this, *e);
  if (!e->is_call()) return;
  answer->correlation = e->correlation | envelope::reply_bit;
  // Not through send_envelope: sys's own answers are neither counted nor traced.
  system_->deliver(e->from, std::move(answer));
}

bool actor::must_hold(const envelope& e) const noexcept {
  // As OTP's sys: a suspended process still obeys its parent's exit (a trapped EXIT), so its
  // supervisor can stop it. A timer carrying a sys request is a sys request.
  if (holds<exit_msg>(e)) return payload<exit_msg>(e).from != parent_;
  if (holds<detail::timed_message>(e)) return !payload<detail::timed_message>(e).inner->type->system;
  return true;
}

void actor::hold(envelope* e) noexcept {
  auto& s = *sys_;  // allocated by suspend
  e->next.store(nullptr, std::memory_order_relaxed);
  if (s.held_tail != nullptr)
    s.held_tail->next.store(e, std::memory_order_relaxed);
  else
    s.held_head = e;
  s.held_tail = e;
  // Still queued as far as anyone can tell: local_pop counted it out.
  local_size_.store(local_size_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

void actor::release_held() noexcept {
  if (!sys_ || sys_->held_head == nullptr) return;
  sys_->held_tail->next.store(local_head_, std::memory_order_relaxed);
  if (local_head_ == nullptr) local_tail_ = sys_->held_tail;
  local_head_ = sys_->held_head;
  sys_->held_head = sys_->held_tail = nullptr;
}

void actor::clear_held() noexcept {
  if (!sys_) return;
  for (envelope* e = sys_->held_head; e != nullptr;) {
    envelope* next = e->next_envelope();
    destroy_envelope(e);
    local_size_.store(local_size_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
    e = next;
  }
  sys_->held_head = sys_->held_tail = nullptr;
}

void actor::note_high_water() noexcept {
  auto len = local_size_.load(std::memory_order_relaxed) + inbox_.size();
  if (len > high_water_.load(std::memory_order_relaxed)) high_water_.store(len, std::memory_order_relaxed);
}

// --- trace --------------------------------------------------------------------------------------------

void actor::trace_in(const envelope& e) {
  sys_->trace.push({now_us(), e.type, e.from, e.correlation, false});
  if (sys_->log_trace)
    log()->info("sys trace {}: got '{}' ({}) from {}", self_.to_string(), e.type->name, kind_of(e.correlation),
                e.from.to_string());
}

void actor::trace_out(const pid& to, const envelope& e) {
  sys_->trace.push({now_us(), e.type, to, e.correlation, true});
  if (sys_->log_trace)
    log()->info("sys trace {}: sent '{}' ({}) to {}", self_.to_string(), e.type->name, kind_of(e.correlation),
                to.to_string());
}

}  // namespace troupe
