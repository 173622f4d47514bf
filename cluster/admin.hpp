#pragma once
/// @file
/// The admin process: how operators (troupectl) inspect and poke a running node.
///
/// Every node runs one, registered locally as "troupe.admin". It answers the calls of
/// cluster/admin_messages.hpp: members, names, whereis, groups, ps, info, kill, register, send,
/// call, down (remove a dead member), events (the node's timeline), and the global supervisor's
/// children, start-child, stop-child and drain. A client reaches it with a send by name (transport::send_to_name) carrying a
/// correlation, and gets the answer back as a reply, as with any call.
///
/// `send` and `call` take a message as (wire type name, MessagePack body), decoded by the type's
/// own codec on this node: any wire type linked into the node works, with no code here.
///
/// A call to another process runs on a short-lived thread of the admin's (`blocking_call`),
/// because a process cannot receive a reply of a type it does not know in advance; the thread
/// answers the original caller itself. The admin joins these threads when it exits.
///
/// The global registry and process groups live above this module (registry/), so they reach
/// the admin through the hooks of `admin_options`, filled in at node start-up.

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "troupe/cluster/admin_messages.hpp"
#include "troupe/node/exit_reason.hpp"
#include "troupe/node/pid.hpp"

namespace troupe {

class node;
class global_supervisor;

/// Extension points for what lives above the cluster module. Each hook runs in the admin
/// process: it must answer from a local snapshot, never block.
struct admin_options {
  /// The global registry's names. Unset: `names` reports global names as not available.
  std::function<std::vector<std::pair<std::string, pid>>()> global_names;
  /// The global process groups (name, members). Unset: `groups` says "not available".
  std::function<std::vector<std::pair<std::string, std::vector<pid>>>()> global_groups;
  /// The node's global supervisor (children, start-child, stop-child). Null: "not available".
  global_supervisor* supervisor = nullptr;
  /// Starts the node's graceful exit: drain its global children, then stop (troupe-node raises
  /// SIGTERM). Must return at once. Unset: drain is refused.
  std::function<void()> drain;
};

/// The name the admin process is registered under on every node.
inline constexpr const char* admin_process_name = "troupe.admin";

/// Starts the admin process of `n` (which must outlive it) and registers it as "troupe.admin".
/// If one is registered already, returns it.
pid start_admin(node& n, admin_options options = {});

/// Parses an exit reason as troupectl writes it: kill, normal, shutdown, else error(text).
exit_reason parse_exit_reason(const std::string& text);

}  // namespace troupe
