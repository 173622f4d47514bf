#include "troupe/node/behaviour/gen_server_stop.hpp"

#include "troupe/node/scoped_actor.hpp"
#include "troupe/node/stepped_executor.hpp"

namespace troupe {

result<void> stop(actor_system& sys, const pid& server, exit_reason reason, duration timeout) {
  if (sys.executor().on_worker_thread())
    return fail(errc::invalid_argument, "blocking stop from a scheduler thread; send the server a message instead");
  scoped_actor waiter(sys);
  if (!waiter.self()) return fail(errc::shutting_down, "the node is shutting down");
  ref_id mon = waiter->monitor(server);
  waiter->send(server, detail::gen_server_stop_request{reason});
  if (auto* stepper = sys.stepper()) {
    stepper->run_until_idle();
    timeout = duration::zero();
  }
  auto down = waiter->receive_if([&](const envelope& x) { return holds<down_msg>(x) && payload<down_msg>(x).ref == mon; },
                                 timeout);
  if (!down) {
    waiter->demonitor(mon);
    return fail(errc::timeout, server.to_string() + " did not stop in time");
  }
  const auto& why = payload<down_msg>(*down).reason;
  if (why == reason) return {};
  if (why == exit_reason::kind::noproc) return fail(errc::noproc, server.to_string() + " does not exist");
  return fail(errc::exited, server.to_string() + " exited: " + why.to_string());
}

result<void> stop(actor_system& sys, std::string_view name, exit_reason reason, duration timeout) {
  auto p = sys.whereis(name);
  if (!p) return fail(errc::noproc, "no process is registered as '" + std::string(name) + "'");
  return stop(sys, *p, std::move(reason), timeout);
}

}  // namespace troupe
