#include "troupe/node/behaviour/task.hpp"

#include <algorithm>

namespace troupe::detail {

std::optional<down_msg> wait_down(blocking_actor& owner, ref_id ref, duration timeout) {
  auto e = owner.receive_if([ref](const envelope& x) { return holds<down_msg>(x) && payload<down_msg>(x).ref == ref; },
                            std::max(timeout, duration::zero()));
  if (!e) return std::nullopt;
  return std::move(payload<down_msg>(*e));
}

std::optional<down_msg> wait_any_down(blocking_actor& owner, const std::vector<ref_id>& refs, duration timeout) {
  auto e = owner.receive_if(
      [&refs](const envelope& x) {
        if (!holds<down_msg>(x)) return false;
        auto ref = payload<down_msg>(x).ref;
        return ref != 0 && std::find(refs.begin(), refs.end(), ref) != refs.end();
      },
      std::max(timeout, duration::zero()));
  if (!e) return std::nullopt;
  return std::move(payload<down_msg>(*e));
}

void abandon_task(actor& owner, const pid& task, ref_id monitor) {
  owner.unlink(task);
  if (monitor) owner.demonitor(monitor);
  owner.exit(task, exit_reason::kill());
}

error task_exit_error(const pid& task, const exit_reason& reason) {
  if (reason == exit_reason::kind::noproc) return error(errc::noproc, "task " + task.to_string() + " does not exist");
  return error(errc::exited, "task " + task.to_string() + " exited: " + reason.to_string());
}

error task_timeout_error(const pid& task) {
  return error(errc::timeout, "task " + task.to_string() + " did not finish within the timeout");
}

}  // namespace troupe::detail
