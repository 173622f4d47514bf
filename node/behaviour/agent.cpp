#include "troupe/node/behaviour/agent.hpp"

namespace troupe::detail {
namespace {

/// The error for a process that ended with `reason` while we waited on it.
error exit_error(const pid& p, const exit_reason& reason, errc code) {
  if (reason == exit_reason::kind::noproc) return error(errc::noproc, p.to_string() + " does not exist");
  return error(code, p.to_string() + " exited: " + reason.to_string());
}

}  // namespace

result<void> finish_agent_start(actor_system& sys, blocking_actor& waiter, const pid& p, ref_id mon,
                                const agent_options& opts) {
  if (opts.name) {
    if (auto r = opts.name->service->register_name(opts.name->name, p); !r) {
      sys.exit(p, exit_reason::kill());
      return r;
    }
  }
  envelope_ptr e = waiter.receive_if(
      [&](const envelope& x) {
        return (holds<agent_started>(x) && x.from == p) || (holds<down_msg>(x) && payload<down_msg>(x).ref == mon);
      },
      opts.timeout);
  if (!e) {
    sys.exit(p, exit_reason::kill());
    return fail(errc::timeout, "agent " + p.to_string() + " did not finish init in time");
  }
  if (holds<down_msg>(*e)) return std::unexpected(error(errc::init_failed, "agent init failed",
                                                        exit_error(p, payload<down_msg>(*e).reason, errc::exited)));
  waiter.demonitor(mon);
  return {};
}

result<void> stop_agent(actor_system& sys, const pid& p, exit_reason reason, duration timeout) {
  if (sys.executor().on_worker_thread())
    return fail(errc::invalid_argument, "blocking agent stop from a scheduler thread; use the actor overload");
  scoped_actor waiter(sys);
  if (!waiter.self()) return fail(errc::shutting_down, "the node is shutting down");
  ref_id mon = waiter->monitor(p);
  waiter->send(p, agent_stop{reason});
  auto down = waiter->receive_if([&](const envelope& x) { return holds<down_msg>(x) && payload<down_msg>(x).ref == mon; },
                                 timeout);
  if (!down) return fail(errc::timeout, "agent " + p.to_string() + " did not stop in time");
  const auto& why = payload<down_msg>(*down).reason;
  if (why == reason) return {};
  return std::unexpected(exit_error(p, why, errc::exited));
}

error agent_wrong_type(const pid& p) {
  return error(errc::invalid_argument, "agent " + p.to_string() + " holds another state type");
}

result<void> name_agent(actor& self, const pid& p, const via& name) {
  auto r = name.service->register_name(name.name, p);
  if (!r) {
    self.unlink(p);
    self.exit(p, exit_reason::kill());
  }
  return r;
}

}  // namespace troupe::detail
