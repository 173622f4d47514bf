#pragma once
/// @file
/// `dynamic_supervisor`: a supervisor that starts with no children and starts them on demand
/// (Elixir DynamicSupervisor). Strategy one_for_one; children are known by pid, not id.
///
/// ```
/// auto sup = troupe::start<dynamic_supervisor>(sys, dynamic_supervisor_flags{.max_children = 100});
/// auto w = dynamic_supervisor::start_child(sys, *sup, child_spec::worker<session>("", user));
/// dynamic_supervisor::terminate_child(sys, *sup, *w);
/// ```
/// A child that is not restarted (temporary, or transient after a clean exit) is forgotten, as
/// is a terminated one. Past `max_children`, start_child fails with `errc::overloaded`. On
/// shutdown the children stop one at a time, newest first. `which_children` reports an empty id.

#include "troupe/node/behaviour/supervisor.hpp"

namespace troupe {

struct dynamic_supervisor_flags {
  std::size_t max_restarts = 3;
  duration max_time = std::chrono::seconds(5);
  /// 0 means no limit (Elixir's :infinity).
  std::size_t max_children = 0;
};

class dynamic_supervisor : public supervisor {
 public:
  explicit dynamic_supervisor(dynamic_supervisor_flags flags = {});

  /// Starts a child from `spec` (its id is ignored): the child's pid, a null pid if its init
  /// returned ignore, or the error.
  static result<pid> start_child(actor_system& sys, const pid& sup, child_spec spec, duration timeout = default_call_timeout) {
    return supervisor::start_child(sys, sup, std::move(spec), timeout);
  }
  static void start_child(actor& self, const pid& sup, child_spec spec, duration timeout, std::function<void(result<pid>)> done) {
    supervisor::start_child(self, sup, std::move(spec), timeout, std::move(done));
  }
  /// Stops the child `child` (per its shutdown policy) and forgets it; `not_found` if it is not one.
  static result<void> terminate_child(actor_system& sys, const pid& sup, const pid& child, duration timeout = default_call_timeout);
  static void terminate_child(actor& self, const pid& sup, const pid& child, duration timeout, std::function<void(result<void>)> done);
  /// A copy of the spec child `child` was started from (its id empty); `not_found` if it is
  /// not a child (OTP get_childspec/2 with a pid, for simple_one_for_one).
  static result<child_spec> get_childspec(actor_system& sys, const pid& sup, const pid& child, duration timeout = default_call_timeout) {
    return ask_childspec(sys, sup, supervisor_get_childspec{{}, child}, timeout);
  }
  static void get_childspec(actor& self, const pid& sup, const pid& child, duration timeout, std::function<void(result<child_spec>)> done) {
    ask_childspec(self, sup, supervisor_get_childspec{{}, child}, timeout, std::move(done));
  }
  using supervisor::count_children;
  using supervisor::which_children;
};

}  // namespace troupe
