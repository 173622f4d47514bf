#pragma once
/// @file
/// The supervisor's control protocol: requests sent as calls, and their replies. They are local
/// messages (a child spec holds a start function), so a supervisor is controlled from its node.

#include <string>
#include <vector>

#include "troupe/node/behaviour/child_spec.hpp"
#include "troupe/node/error.hpp"
#include "troupe/node/message_type.hpp"

namespace troupe {

/// One entry of `which_children` (OTP `{Id, Child, Type, Modules}`); `child` is null when the
/// spec is kept but no process runs (terminated, ignored, or between a failed start and its retry).
struct child_info {
  std::string id;
  pid child;
  child_type type = child_type::worker;
  restart_type restart = restart_type::permanent;
};

/// `count_children` (OTP specs/active/supervisors/workers).
struct child_counts {
  std::size_t specs = 0;
  std::size_t active = 0;
  std::size_t supervisors = 0;
  std::size_t workers = 0;
};

struct supervisor_start_child {
  child_spec spec;
};
/// By id, or (dynamic supervisors) by pid when `id` is empty.
struct supervisor_terminate_child {
  std::string id;
  pid child;
};
struct supervisor_restart_child {
  std::string id;
};
struct supervisor_delete_child {
  std::string id;
};
/// By id, or (dynamic supervisors) by pid when `id` is empty.
struct supervisor_get_childspec {
  std::string id;
  pid child;
};
struct supervisor_which_children {};
struct supervisor_count_children {};

/// The reply to start/terminate/restart/delete: the child's pid (null when none) or the error.
struct supervisor_answer {
  result<pid> value;
};
/// The reply to get_childspec: a copy of the child's spec, or `not_found`.
struct supervisor_childspec {
  result<child_spec> spec;
};
struct supervisor_children {
  std::vector<child_info> children;
};
struct supervisor_counts {
  child_counts counts;
};

namespace detail {
/// The shutdown timeout of the child being stopped ran out: kill it.
struct supervisor_kill_timer {
  pid child;
};
}  // namespace detail

}  // namespace troupe

TROUPE_LOCAL_MESSAGE(troupe::supervisor_start_child, "troupe.sup.start_child");
TROUPE_LOCAL_MESSAGE(troupe::supervisor_terminate_child, "troupe.sup.terminate_child");
TROUPE_LOCAL_MESSAGE(troupe::supervisor_restart_child, "troupe.sup.restart_child");
TROUPE_LOCAL_MESSAGE(troupe::supervisor_delete_child, "troupe.sup.delete_child");
TROUPE_LOCAL_MESSAGE(troupe::supervisor_get_childspec, "troupe.sup.get_childspec");
TROUPE_LOCAL_MESSAGE(troupe::supervisor_childspec, "troupe.sup.childspec");
TROUPE_LOCAL_MESSAGE(troupe::supervisor_which_children, "troupe.sup.which_children");
TROUPE_LOCAL_MESSAGE(troupe::supervisor_count_children, "troupe.sup.count_children");
TROUPE_LOCAL_MESSAGE(troupe::supervisor_answer, "troupe.sup.answer");
TROUPE_LOCAL_MESSAGE(troupe::supervisor_children, "troupe.sup.children");
TROUPE_LOCAL_MESSAGE(troupe::supervisor_counts, "troupe.sup.counts");
TROUPE_LOCAL_MESSAGE(troupe::detail::supervisor_kill_timer, "troupe.sup.kill_timer");
