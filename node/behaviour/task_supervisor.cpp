#include "troupe/node/behaviour/task_supervisor.hpp"

namespace troupe {

behavior task_supervisor::make_behavior() {
  trap_exit(true);
  return {
      [this](detail::task_sup_start& s) { return on_start_child(s); },
      [this](const detail::task_sup_count_children&) { return detail::task_sup_count{children_.size()}; },
      [this](const exit_msg& m) { on_exit_msg(m); },
  };
}

detail::task_sup_started task_supervisor::on_start_child(detail::task_sup_start& s) {
  pid child = s.spawn(*this);
  if (child) children_.insert(child);
  return {child};
}

void task_supervisor::on_exit_msg(const exit_msg& m) {
  // A child's exit is bookkeeping (children are temporary); the parent's exit ends us (OTP).
  if (children_.erase(m.from) == 0 && m.from == parent()) stop(m.reason);
}

void task_supervisor::on_exit(const exit_reason&) {
  for (const auto& child : children_) exit(child, exit_reason::shutdown());
}

result<std::size_t> task_supervisor::count_children(actor_system& sys, const pid& sup, duration timeout) {
  auto r = call<detail::task_sup_count>(sys, sup, detail::task_sup_count_children{}, timeout);
  if (!r) return std::unexpected(r.error());
  return r->children;
}

}  // namespace troupe
