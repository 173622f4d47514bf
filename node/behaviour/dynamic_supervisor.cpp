#include "troupe/node/behaviour/dynamic_supervisor.hpp"

#include "troupe/node/behaviour/gen_server_call.hpp"

namespace troupe {

dynamic_supervisor::dynamic_supervisor(dynamic_supervisor_flags flags)
    : supervisor(supervisor_flags{strategy::one_for_one, flags.max_restarts, flags.max_time},
                 dynamic_mode{flags.max_children}) {}

result<void> dynamic_supervisor::terminate_child(actor_system& sys, const pid& sup, const pid& child, duration timeout) {
  auto r = detail::unwrap_reply<supervisor_answer>(detail::blocking_call(
      sys, sup, make_envelope<supervisor_terminate_child>(pid{}, supervisor_terminate_child{{}, child}), timeout));
  if (!r) return std::unexpected(r.error());
  if (!r->value) return std::unexpected(r->value.error());
  return {};
}

void dynamic_supervisor::terminate_child(actor& self, const pid& sup, const pid& child, duration timeout,
                                         std::function<void(result<void>)> done) {
  self.request<supervisor_answer>(sup, supervisor_terminate_child{{}, child}, timeout,
                                  [done = std::move(done)](result<supervisor_answer> r) {
                                    if (!r) return done(std::unexpected(r.error()));
                                    if (!r->value) return done(std::unexpected(r->value.error()));
                                    done({});
                                  });
}

}  // namespace troupe
