#include "troupe/node/behaviour/start_link.hpp"

#include "troupe/node/stepped_executor.hpp"

namespace troupe::detail {

result<void> start_waiter::usable() const {
  if (sys_.executor().on_worker_thread())
    return fail(errc::invalid_argument, "blocking start from a scheduler thread; use start_link");
  if (!self_.self()) return fail(errc::shutting_down, "the node is shutting down");
  return {};
}

result<pid> start_waiter::wait(const pid& child, duration timeout) {
  if (!child) return fail(errc::shutting_down, "the node is shutting down");
  // The child acknowledges before it can exit, so its started_msg is queued ahead of the
  // down_msg even when the monitor lands after its death (noproc).
  ref_id mon = self_->monitor(child);
  if (auto* stepper = sys_.stepper()) {
    stepper->run_until_idle();
    timeout = duration::zero();
  }
  envelope_ptr e = self_->receive_if(
      [&](const envelope& x) {
        return (holds<started_msg>(x) && payload<started_msg>(x).ref == ack_) ||
               (holds<down_msg>(x) && payload<down_msg>(x).ref == mon);
      },
      timeout);
  if (!e) {
    sys_.exit(child, exit_reason::kill());  // as OTP: a start that times out kills the child
    return fail(errc::timeout, "init of " + child.to_string() + " did not finish in time");
  }
  if (holds<down_msg>(*e))
    return fail(errc::init_failed, child.to_string() + " exited before init: " + payload<down_msg>(*e).reason.to_string());
  self_->demonitor(mon);
  return payload<started_msg>(*e).to_result();
}

}  // namespace troupe::detail
