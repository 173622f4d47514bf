#include "troupe/node/call.hpp"

#include "troupe/node/stepped_executor.hpp"
#include "troupe/node/unhandled_call.hpp"

namespace troupe {

error unhandled_call_error(const unhandled_call& u) {
  return error(errc::unhandled, u.target.to_string() + " has no handler for call '" + u.type + "'");
}

}  // namespace troupe

namespace troupe::detail {
namespace {

/// What a call's wait ended with: the reply, or the error its absence means.
result<envelope_ptr> outcome(envelope_ptr e, const pid& to, bool stepped) {
  if (!e)
    return fail(errc::timeout, "no reply from " + to.to_string() +
                                   (stepped ? " once the node was idle" : " within the call timeout"));
  if (holds<unhandled_call>(*e)) return std::unexpected(unhandled_call_error(payload<unhandled_call>(*e)));
  if (!holds<down_msg>(*e)) return e;
  const auto& reason = payload<down_msg>(*e).reason;
  if (reason == exit_reason::kind::noproc) return fail(errc::noproc, to.to_string() + " does not exist");
  if (reason == exit_reason::kind::noconnection) return fail(errc::noconnection, "lost the node of " + to.to_string());
  return fail(errc::exited, to.to_string() + " exited: " + reason.to_string());
}

}  // namespace

result<envelope_ptr> blocking_call(actor_system& sys, const pid& to, envelope_ptr req, duration timeout) {
  if (sys.executor().on_worker_thread())
    return fail(errc::invalid_argument, "blocking call from a scheduler thread; use actor::request");
  scoped_actor self(sys);
  if (!self.self()) return fail(errc::shutting_down, "the node is shutting down");
  ref_id mon = self->monitor(to);
  ref_id ref = sys.make_ref();
  req->from = self.self();
  req->correlation = ref;
  sys.deliver(to, std::move(req));
  // Deterministic mode: nobody else runs the processes, so the call runs them until nothing is
  // left to do; a reply that has not come by then never will.
  auto* stepper = sys.stepper();
  if (stepper) stepper->run_until_idle();
  const auto reply_id = ref | envelope::reply_bit;
  envelope_ptr e = self->receive_if(
      [&](const envelope& x) {
        return x.correlation == reply_id || (holds<down_msg>(x) && payload<down_msg>(x).ref == mon);
      },
      stepper ? duration::zero() : timeout);
  return outcome(std::move(e), to, stepper != nullptr);
}

}  // namespace troupe::detail
