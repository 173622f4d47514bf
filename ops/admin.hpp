#pragma once
/// @file
/// The admin process: how operators (troupectl) inspect and poke a running node.
///
/// Every node runs one, registered locally as "troupe.admin". It answers the calls of
/// ops/admin_messages.hpp: members, names, whereis, groups, ps, info, kill, register, send,
/// call, down (remove a dead member), events (the node's timeline), and the global supervisor's
/// children, start-child, stop-child and drain. A client reaches it with a send by name (transport::send_to_name) carrying a
/// correlation, and gets the answer back as a reply, as with any call.
///
/// `send` and `call` take a message as (wire type name, MessagePack body), decoded by the type's
/// own codec on this node: any wire type linked into the node works, with no code here.
///
/// A relayed call is an asynchronous request of the admin's (`actor::request_envelope`, which
/// takes a reply of any type): the admin keeps serving while it is in flight and answers the
/// original caller when the reply, the target's death or the timeout comes.
///
/// The admin sits above the registry (ops/ is the operator layer): it reads the global names and
/// process groups of the node directly.

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "troupe/ops/admin_messages.hpp"
#include "troupe/node/exit_reason.hpp"
#include "troupe/node/pid.hpp"

namespace troupe {

class cluster_node;
class global_supervisor;
class global_registry;
class process_groups;

/// The node's services the admin reports on; each must outlive the admin process. Reads are
/// local snapshots: the admin never blocks on them.
struct admin_options {
  /// The global registry. Null: `names` reports global names as not available.
  const global_registry* names = nullptr;
  /// The process groups. Null: `groups` says "not available".
  const process_groups* groups = nullptr;
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
pid start_admin(cluster_node& n, admin_options options = {});

/// Parses an exit reason as troupectl writes it: kill, normal, shutdown, else error(text).
exit_reason parse_exit_reason(const std::string& text);

}  // namespace troupe
