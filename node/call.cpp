#include "troupe/node/call.hpp"

#include "troupe/node/unhandled_call.hpp"

namespace troupe {

error unhandled_call_error(const unhandled_call& u) {
  return error(errc::unhandled, u.target.to_string() + " has no handler for call '" + u.type + "'");
}

}  // namespace troupe

namespace troupe::detail {

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
  const auto reply_id = ref | envelope::reply_bit;
  envelope_ptr e = self->receive_if(
      [&](const envelope& x) {
        return x.correlation == reply_id || (holds<down_msg>(x) && payload<down_msg>(x).ref == mon);
      },
      timeout);
  if (!e) return fail(errc::timeout, "no reply from " + to.to_string() + " within the call timeout");
  if (holds<unhandled_call>(*e)) return std::unexpected(unhandled_call_error(payload<unhandled_call>(*e)));
  if (!holds<down_msg>(*e)) return e;
  const auto& reason = payload<down_msg>(*e).reason;
  if (reason == exit_reason::kind::noproc) return fail(errc::noproc, to.to_string() + " does not exist");
  if (reason == exit_reason::kind::noconnection) return fail(errc::noconnection, "lost the node of " + to.to_string());
  return fail(errc::exited, to.to_string() + " exited: " + reason.to_string());
}

}  // namespace troupe::detail
