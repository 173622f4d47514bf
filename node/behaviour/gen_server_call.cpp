#include "troupe/node/behaviour/gen_server_call.hpp"

#include "troupe/node/scoped_actor.hpp"
#include "troupe/node/stepped_executor.hpp"

namespace troupe::detail {

result<envelope_ptr> stepping_call(actor_system& sys, const pid& to, envelope_ptr req, duration timeout) {
  auto* stepper = sys.stepper();
  if (stepper == nullptr) return blocking_call(sys, to, std::move(req), timeout);
  if (stepper->on_worker_thread()) return fail(errc::invalid_argument, "blocking call from inside a process");
  scoped_actor self(sys);
  if (!self.self()) return fail(errc::shutting_down, "the node is shutting down");
  ref_id mon = self->monitor(to);
  ref_id ref = sys.make_ref();
  req->from = self.self();
  req->correlation = ref;
  sys.deliver(to, std::move(req));
  stepper->run_until_idle();
  const auto reply_id = ref | envelope::reply_bit;
  envelope_ptr e = self->receive_if(
      [&](const envelope& x) {
        return x.correlation == reply_id || (holds<down_msg>(x) && payload<down_msg>(x).ref == mon);
      },
      duration::zero());
  if (!e) return fail(errc::timeout, "no reply from " + to.to_string() + " once the node was idle");
  if (!holds<down_msg>(*e)) return e;
  const auto& reason = payload<down_msg>(*e).reason;
  if (reason == exit_reason::kind::noproc) return fail(errc::noproc, to.to_string() + " does not exist");
  return fail(errc::exited, to.to_string() + " exited: " + reason.to_string());
}

}  // namespace troupe::detail
