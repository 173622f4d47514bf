/// The supervisor's operation engine: one operation (a list of start and stop steps) at a time;
/// a step that must wait — for a child's started_msg, or for its EXIT — parks the engine until
/// that message (or the kill timer) arrives, so the supervisor's thread is never blocked.

#include "troupe/node/actor_system.hpp"
#include "troupe/node/behaviour/supervisor.hpp"

namespace troupe {

void supervisor::begin(operation op) {
  // Only ever called while idle: an operation runs to its end before the next begins.
  op_ = std::move(op);
}

void supervisor::pump() {
  for (;;) {
    if (op_) {
      if (waiting()) return;
      if (op_->steps.empty()) {
        finish_operation();
        continue;
      }
      step s = std::move(op_->steps.front());
      op_->steps.pop_front();
      begin_step(s);
      continue;
    }
    if (deferred_.empty()) return;
    deferred d = std::move(deferred_.front());
    deferred_.pop_front();
    if (d.exited)
      handle_child_exit(d.exited, d.reason);
    else
      d.call();
  }
}

void supervisor::finish_operation() {
  auto done = std::move(op_->done);
  pid last = op_->last_started;
  op_.reset();
  if (done) done(last);
}

void supervisor::begin_step(const step& s) {
  if (s.kind == step_kind::start)
    begin_start(s);
  else
    begin_stop(s);
}

void supervisor::begin_start(const step& s) {
  child* c = find(s.id);
  if (!c || c->process) return;
  start_ticket t;
  try {
    t = c->spec.start(*this);
  } catch (const std::exception& ex) {
    return start_failed(s.id, exit_reason::error(ex.what()));
  }
  if (!t.child) return start_failed(s.id, exit_reason::shutdown("the node is shutting down"));
  c->process = t.child;
  if (t.ack == 0) {
    op_->last_started = t.child;
    return;
  }
  waiting_ack_ = t.ack;
  waiting_id_ = s.id;
}

void supervisor::on_started(const started_msg& m) {
  if (m.ref == 0 || m.ref != waiting_ack_) return;  // a start this supervisor gave up on
  waiting_ack_ = 0;
  child* c = find(waiting_id_);
  if (c && m.outcome == start_outcome::ok) {
    op_->last_started = m.child;
  } else {
    if (c) c->process = {};  // its EXIT, if any, comes from a pid that is no child any more
    if (m.outcome == start_outcome::ignored) {
      op_->last_started = {};
      // Elixir's DynamicSupervisor does not keep a child whose start returned :ignore (on a
      // restart too): it holds no slot against max_children and which_children omits it.
      if (dynamic_) erase(waiting_id_);
    }
    if (m.outcome == start_outcome::failed || m.outcome == start_outcome::name_taken)
      start_failed(waiting_id_, m.reason);
  }
  pump();
}

void supervisor::start_failed(const std::string& id, const exit_reason& why) {
  if (op_ && op_->on_start_failure) return op_->on_start_failure(id, why);
  on_child_failed(id, why);
}

void supervisor::begin_stop(const step& s) {
  child* c = find(s.id);
  if (!c) return;
  pid p = c->process;
  if (!p || take_deferred_exit(p)) {
    c->process = {};
    if (s.drop) erase(s.id);
    return;
  }
  waiting_exit_ = p;
  waiting_id_ = s.id;
  drop_when_stopped_ = s.drop;
  switch (c->spec.shutdown.how) {
    case shutdown_policy::kind::brutal_kill:
      exit(p, exit_reason::kill());
      break;
    case shutdown_policy::kind::timeout:
      exit(p, exit_reason::shutdown());
      kill_timer_ = send_after(self(), c->spec.shutdown.after, detail::supervisor_kill_timer{p});
      break;
    case shutdown_policy::kind::infinity:
      exit(p, exit_reason::shutdown());
      break;
  }
}

bool supervisor::take_deferred_exit(const pid& who) {
  // The child may have died on its own while the supervisor was busy: its EXIT is queued here
  // and an exit signal sent now would go nowhere.
  for (auto it = deferred_.begin(); it != deferred_.end(); ++it) {
    if (it->exited != who) continue;
    deferred_.erase(it);
    return true;
  }
  return false;
}

void supervisor::on_stopped(const pid& who) {
  cancel_timer(kill_timer_);
  kill_timer_ = {};
  waiting_exit_ = {};
  if (child* c = find(who)) {
    c->process = {};
    if (drop_when_stopped_) erase(c->spec.id);
  }
  pump();
}

void supervisor::on_kill_timer(const detail::supervisor_kill_timer& t) {
  if (t.child == waiting_exit_) exit(t.child, exit_reason::kill());
}

}  // namespace troupe
