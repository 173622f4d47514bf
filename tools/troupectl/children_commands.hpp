#pragma once
/// @file
/// troupectl's global supervisor commands: children, start-child, stop-child, drain
/// (cluster/global_supervisor.hpp, docs/global_supervisor.md).

#include <string>
#include <vector>

#include "tools/troupectl/commands.hpp"

namespace troupe::ctl {

/// What `start-child` takes from the command line.
struct child_args {
  std::string type, id, name, args, restart;
  std::vector<std::string> preferred;
  bool pinned = false;
};

/// Where each global child runs, its restarts and last move (`--json`: an array of objects
/// with id, node, pid, restarts, failed, last_moved).
int children(context& c);
int start_child(context& c, const child_args& a);
int stop_child(context& c, const std::string& id);
/// Drains `member` (hands its children to the others; the node then leaves) and waits, up to
/// `wait_ms`, until it has left; then prints where the children run.
int drain(context& c, const std::string& member, int wait_ms);

}  // namespace troupe::ctl
