/// The supervisor's reaction to children's exits: restart or not (restart type), the restart
/// intensity, the strategy's choice of affected siblings, and giving up.

#include <algorithm>

#include "troupe/node/actor_system.hpp"
#include "troupe/node/behaviour/supervisor.hpp"

namespace troupe {

void supervisor::on_child_exit(const exit_msg& m) {
  if (m.from && m.from == waiting_exit_) return on_stopped(m.from);
  if (waiting_ack_) {
    child* starting = find(waiting_id_);
    if (starting && starting->process == m.from) {  // died before acknowledging its start
      waiting_ack_ = 0;
      starting->process = {};
      start_failed(waiting_id_, m.reason);
      return pump();
    }
  }
  if (!find(m.from)) return;  // not a child (any more), e.g. one whose start failed
  if (op_ || !deferred_.empty()) {
    deferred_.push_back(deferred{m.from, m.reason, {}});
    return;
  }
  handle_child_exit(m.from, m.reason);
  pump();
}

void supervisor::handle_child_exit(const pid& from, const exit_reason& reason) {
  child* c = find(from);
  if (!c) return;
  c->process = {};
  if (stopping_) return;
  const auto type = c->spec.restart;
  if (!restarts_after(type, reason)) {
    bool shut_down = c->spec.significant && auto_shutdown_due(*c);
    // OTP keeps a transient child's spec (it can be restarted by hand); temporary and dynamic
    // children are forgotten.
    if (type == restart_type::temporary || dynamic_) erase(c->spec.id);
    if (shut_down) give_up(exit_reason::shutdown());  // OTP auto_shutdown: reason shutdown
    return;
  }
  if (!note_restart()) return give_up(exit_reason::shutdown(reached_max_restart_intensity));
  restart_affected(index_of(c->spec.id));
}

std::optional<std::string> supervisor::invalid_significance(const child_spec& spec) const {
  if (!spec.significant) return std::nullopt;
  if (spec.restart == restart_type::permanent) return "a permanent child cannot be significant: " + spec.id;
  if (flags_.auto_shutdown == auto_shutdown::never)
    return "a significant child needs auto_shutdown any_significant or all_significant: " + spec.id;
  return std::nullopt;
}

bool supervisor::auto_shutdown_due(const child& ended) const {
  if (flags_.auto_shutdown == auto_shutdown::any_significant) return true;
  if (flags_.auto_shutdown != auto_shutdown::all_significant) return false;
  return std::none_of(children_.begin(), children_.end(),
                      [&](const child& c) { return &c != &ended && c.spec.significant && c.process; });
}

void supervisor::on_child_failed(const std::string& id, const exit_reason& reason) {
  // A restart whose start failed: try again once the current operation is done, counting it
  // as one more restart, so a child that cannot start ends in the intensity limit (OTP's
  // try_again_restart).
  deferred_.push_back(deferred{{}, {}, [this, id, reason] {
                                 child* c = find(id);
                                 if (!c || c->process || stopping_) return;
                                 if (!note_restart()) return give_up(exit_reason::shutdown(reached_max_restart_intensity));
                                 restart_affected(index_of(id));
                               }});
}

bool supervisor::note_restart() {
  return restarts_.note(system().clock().now(), flags_.max_restarts, flags_.max_time);
}

void supervisor::restart_affected(std::size_t failed) {
  auto affected = restart_strategy::of(flags_.strategy).affected(failed, children_.size());
  operation op;
  for (auto it = affected.rbegin(); it != affected.rend(); ++it) {
    if (*it == failed) continue;
    auto& c = children_[*it];
    op.steps.push_back({step_kind::stop, c.spec.id, c.spec.restart == restart_type::temporary});
  }
  for (auto i : affected)
    if (i == failed || children_[i].spec.restart != restart_type::temporary)
      op.steps.push_back({step_kind::start, children_[i].spec.id});
  begin(std::move(op));
}

void supervisor::give_up(exit_reason reason) {
  stopping_ = true;
  stop_everything([this, reason](result<pid>) { stop(reason); });
}

void supervisor::stop_everything(std::function<void(result<pid>)> then) {
  if (!op_) op_.emplace();
  op_->steps.clear();
  op_->on_start_failure = nullptr;
  for (auto it = children_.rbegin(); it != children_.rend(); ++it)
    if (it->process) op_->steps.push_back({step_kind::stop, it->spec.id});
  op_->done = std::move(then);
}

void supervisor::on_parent_exit(const exit_reason& reason) {
  // Shut down in order, as OTP's supervisor does in terminate: abandon whatever was under way
  // (its children are stopped like the others), then stop the children in reverse order.
  stopping_ = true;
  cancel_timer(kill_timer_);
  kill_timer_ = {};
  waiting_ack_ = 0;
  waiting_exit_ = {};
  std::erase_if(deferred_, [](const deferred& d) { return !d.exited; });
  stop_everything([this, reason](result<pid>) { stop(reason); });
  pump();
}

}  // namespace troupe
