#pragma once
/// @file
/// The messages of the admin process ("troupe.admin", see admin.hpp) and the generic message
/// types operators send with troupectl.
///
/// Every admin request is a call: the admin answers it with the reply type named next to it.
/// Bodies are MessagePack arrays in field order (MSGPACK_DEFINE), like every Troupe message, so a
/// client in another language (docs/PROTOCOL.md) can use the admin too. docs/troupectl.md lists
/// the wire names with their fields.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "troupe/node/message_type.hpp"
#include "troupe/node/msgpack_adaptors.hpp"
#include "troupe/node/msgpack_value.hpp"
#include "troupe/node/pid.hpp"

namespace troupe {

/// One MessagePack value kept in its encoded form, so a message can carry values of any shape
/// (as `troupe.map` does) without a C++ type for them. On the wire it is the value itself. The
/// admin's name for the runtime's `msgpack_value` (one type, one adaptor).
using packed_value = msgpack_value;

// --- generic messages ----------------------------------------------------------------------

/// `troupe.text{value: str}`: a string, e.g. for `echo` or a user actor that logs text.
struct text_message {
  std::string value;
  MSGPACK_DEFINE(value);
};

/// `troupe.map{fields: map<str, any>}`: a JSON-like object (troupectl turns a JSON object into one).
struct map_message {
  std::map<std::string, packed_value> fields;
  MSGPACK_DEFINE(fields);
};

// --- admin requests and replies ----------------------------------------------------------------

/// Checks that the admin answers; replies `admin_pong`. Safe to repeat (troupectl retries it until
/// the node's channel back to it is up).
struct admin_ping {
  MSGPACK_DEFINE();
};
struct admin_pong {
  std::string node;
  std::uint32_t creation = 0;
  MSGPACK_DEFINE(node, creation);
};

/// Generic outcome of a command that returns nothing else.
struct admin_done {
  bool ok = true;
  std::string error;  ///< why it failed, for people
  MSGPACK_DEFINE(ok, error);
};

/// Lists the members as this node sees them; replies `admin_members_reply`.
struct admin_members {
  MSGPACK_DEFINE();
};
struct admin_member {
  std::string name;
  std::string address;
  std::string state;  ///< joining, up, suspect, down, left
  std::uint32_t creation = 0;
  bool self = false;
  MSGPACK_DEFINE(name, address, state, creation, self);
};
struct admin_members_reply {
  std::vector<admin_member> members;
  MSGPACK_DEFINE(members);
};

/// A name and the process holding it.
struct admin_name {
  std::string name;
  pid holder;
  MSGPACK_DEFINE(name, holder);
};
/// Lists the registered names; replies `admin_names_reply`.
struct admin_names {
  MSGPACK_DEFINE();
};
struct admin_names_reply {
  std::vector<admin_name> local;
  bool global_available = false;  ///< false: the node has no global registry hooked in
  std::vector<admin_name> global;
  MSGPACK_DEFINE(local, global_available, global);
};

/// Finds a name, local first, then global; replies `admin_whereis_reply`.
struct admin_whereis {
  std::string name;
  MSGPACK_DEFINE(name);
};
struct admin_whereis_reply {
  pid where;          ///< null if no process has the name
  std::string scope;  ///< "local", "global" or empty
  MSGPACK_DEFINE(where, scope);
};

/// Lists the process groups; replies `admin_groups_reply`.
struct admin_groups {
  MSGPACK_DEFINE();
};
struct admin_group {
  std::string name;
  std::vector<pid> members;
  MSGPACK_DEFINE(name, members);
};
struct admin_groups_reply {
  bool available = false;  ///< false: the node has no process groups hooked in
  std::vector<admin_group> groups;
  MSGPACK_DEFINE(available, groups);
};

/// Lists the local processes; replies `admin_ps_reply`.
struct admin_ps {
  MSGPACK_DEFINE();
};
struct admin_process {
  pid self;
  std::string status;  ///< runnable, running, waiting, exiting
  std::uint64_t mailbox_length = 0;
  std::uint64_t messages_handled = 0;
  std::string registered_name;
  MSGPACK_DEFINE(self, status, mailbox_length, messages_handled, registered_name);
};
struct admin_ps_reply {
  std::vector<admin_process> processes;
  MSGPACK_DEFINE(processes);
};

/// Details of one local process; replies `admin_info_reply`.
struct admin_info {
  pid target;
  MSGPACK_DEFINE(target);
};
struct admin_info_reply {
  bool found = false;
  admin_process process;
  bool trap_exit = false;
  std::vector<pid> links;
  std::vector<pid> monitors;
  std::vector<pid> monitored_by;
  MSGPACK_DEFINE(found, process, trap_exit, links, monitors, monitored_by);
};

/// Sends an exit signal (Erlang exit/2); replies `admin_done`. `reason`: kill (default), normal,
/// shutdown, or any other text, which becomes an `error` reason carrying it.
struct admin_kill {
  pid target;
  std::string reason;
  MSGPACK_DEFINE(target, reason);
};

/// Registers a local name for a local process; replies `admin_done`.
struct admin_register {
  std::string name;
  pid target;
  MSGPACK_DEFINE(name, target);
};

/// Sends a message of any wire type this node knows; replies `admin_done`. `target` is a pid
/// (`<n1.3.42>`) or a name (local, then global). `body` is the message's MessagePack body.
/// The message goes out with no sender (as from outside any process).
struct admin_send {
  std::string target;
  std::string type;
  packed_value body;
  MSGPACK_DEFINE(target, type, body);
};

/// Calls like `admin_send` and waits up to `timeout_ms` for the answer; replies `admin_call_reply`.
struct admin_call {
  std::string target;
  std::string type;
  packed_value body;
  std::uint32_t timeout_ms = 5000;
  MSGPACK_DEFINE(target, type, body, timeout_ms);
};
struct admin_call_reply {
  bool ok = false;
  std::string error;
  std::string type;   ///< the wire name of the answer
  packed_value body;  ///< its MessagePack body
  MSGPACK_DEFINE(ok, error, type, body);
};

// --- the global supervisor (cluster/global_supervisor.hpp) ----------------------------------------

/// Lists the global children as this node knows them; replies `admin_children_reply`.
struct admin_children {
  MSGPACK_DEFINE();
};
struct admin_child {
  std::string id;
  std::string node;  ///< where it runs; empty: nowhere this node can see
  pid child;
  std::uint32_t restarts = 0;
  bool failed = false;
  std::int64_t last_moved_ms = 0;  ///< when it started on its node (Unix ms); 0: never
  /// The snapshot of it that the answering node holds (its own child's, or the one sent to it
  /// as the successor): size and digest (cluster/global_snapshot.hpp).
  bool has_snapshot = false;
  std::uint32_t snapshot_bytes = 0;
  std::uint64_t snapshot_digest = 0;
  /// Why it runs nowhere, when it waits (global_child_info::waiting); empty otherwise.
  std::string waiting;
  MSGPACK_DEFINE(id, node, child, restarts, failed, last_moved_ms, has_snapshot, snapshot_bytes, snapshot_digest, waiting);
};
struct admin_children_reply {
  bool available = false;  ///< false: the node runs no global supervisor
  std::vector<admin_child> children;
  MSGPACK_DEFINE(available, children);
};

/// Adds a child to the global supervisor, cluster-wide; replies `admin_done`.
struct admin_start_child {
  std::string id;
  std::string type;
  packed_value args;
  std::string name;     ///< global name; empty: none
  std::string restart;  ///< permanent (default), transient or temporary
  std::vector<std::string> preferred;
  bool pinned = false;
  MSGPACK_DEFINE(id, type, args, name, restart, preferred, pinned);
};

/// Removes a global child, cluster-wide; replies `admin_done`.
struct admin_stop_child {
  std::string id;
  MSGPACK_DEFINE(id);
};

/// Asks this node to drain — hand its global children to the other members — and then leave
/// (troupe-node stops, as on SIGTERM). Replies `admin_done` at once; the drain goes on after.
struct admin_drain {
  MSGPACK_DEFINE();
};

/// Removes `node`, a member that is down, from the cluster for good: no node counts it toward
/// quorum any more (cluster/membership.hpp, Down). Refused for a member that is up here, for
/// this node itself and for a name that is no member. Replies `admin_done`.
struct admin_down {
  std::string node;
  MSGPACK_DEFINE(node);
};

/// The node's event timeline (cluster/event_timeline.hpp) after sequence number `after` (0:
/// everything kept), at most `limit` of the newest (0: no limit); replies `admin_events_reply`.
struct admin_events {
  std::uint64_t after = 0;
  std::uint32_t limit = 0;
  MSGPACK_DEFINE(after, limit);
};
struct admin_event {
  std::uint64_t seq = 0;
  std::int64_t unix_ms = 0;  ///< UTC, milliseconds since the epoch
  std::string kind;          ///< member.up, child.moved, quorum.lost, ... (event_timeline.hpp)
  std::string subject;
  std::string from;
  std::string to;
  std::string detail;
  MSGPACK_DEFINE(seq, unix_ms, kind, subject, from, to, detail);
};
struct admin_events_reply {
  std::string node;           ///< whose timeline this is
  std::uint64_t last_seq = 0;  ///< the newest event's number: ask for what came after it next
  std::vector<admin_event> events;
  MSGPACK_DEFINE(node, last_seq, events);
};

// --- metrics (ops/admin_metrics.hpp; the management endpoint's /metrics) ----------------

/// The node's counters and gauges; replies `admin_metrics_reply`.
struct admin_metrics {
  MSGPACK_DEFINE();
};
/// One figure, named as in Prometheus (docs/management.md lists them).
struct admin_metric {
  std::string name;  ///< e.g. troupe_messages_out_total
  std::string type;  ///< counter (never goes down) or gauge
  std::string help;
  std::map<std::string, std::string> labels;  ///< usually empty
  /// In base units (seconds, bytes): a count, or a fraction for durations.
  double value = 0;
  MSGPACK_DEFINE(name, type, help, labels, value);
};
struct admin_metrics_reply {
  std::vector<admin_metric> metrics;
  MSGPACK_DEFINE(metrics);
};

}  // namespace troupe

TROUPE_MESSAGE(troupe::text_message, "troupe.text");
TROUPE_MESSAGE(troupe::map_message, "troupe.map");
TROUPE_MESSAGE(troupe::admin_ping, "troupe.admin.ping");
TROUPE_MESSAGE(troupe::admin_pong, "troupe.admin.pong");
TROUPE_MESSAGE(troupe::admin_done, "troupe.admin.done");
TROUPE_MESSAGE(troupe::admin_members, "troupe.admin.members");
TROUPE_MESSAGE(troupe::admin_members_reply, "troupe.admin.members_reply");
TROUPE_MESSAGE(troupe::admin_names, "troupe.admin.names");
TROUPE_MESSAGE(troupe::admin_names_reply, "troupe.admin.names_reply");
TROUPE_MESSAGE(troupe::admin_whereis, "troupe.admin.whereis");
TROUPE_MESSAGE(troupe::admin_whereis_reply, "troupe.admin.whereis_reply");
TROUPE_MESSAGE(troupe::admin_groups, "troupe.admin.groups");
TROUPE_MESSAGE(troupe::admin_groups_reply, "troupe.admin.groups_reply");
TROUPE_MESSAGE(troupe::admin_ps, "troupe.admin.ps");
TROUPE_MESSAGE(troupe::admin_ps_reply, "troupe.admin.ps_reply");
TROUPE_MESSAGE(troupe::admin_info, "troupe.admin.info");
TROUPE_MESSAGE(troupe::admin_info_reply, "troupe.admin.info_reply");
TROUPE_MESSAGE(troupe::admin_kill, "troupe.admin.kill");
TROUPE_MESSAGE(troupe::admin_register, "troupe.admin.register");
TROUPE_MESSAGE(troupe::admin_send, "troupe.admin.send");
TROUPE_MESSAGE(troupe::admin_call, "troupe.admin.call");
TROUPE_MESSAGE(troupe::admin_call_reply, "troupe.admin.call_reply");
TROUPE_MESSAGE(troupe::admin_metrics, "troupe.admin.metrics");
TROUPE_MESSAGE(troupe::admin_metrics_reply, "troupe.admin.metrics_reply");
TROUPE_MESSAGE(troupe::admin_children, "troupe.admin.children");
TROUPE_MESSAGE(troupe::admin_children_reply, "troupe.admin.children_reply");
TROUPE_MESSAGE(troupe::admin_start_child, "troupe.admin.start_child");
TROUPE_MESSAGE(troupe::admin_stop_child, "troupe.admin.stop_child");
TROUPE_MESSAGE(troupe::admin_drain, "troupe.admin.drain");
TROUPE_MESSAGE(troupe::admin_down, "troupe.admin.down");
TROUPE_MESSAGE(troupe::admin_events, "troupe.admin.events");
TROUPE_MESSAGE(troupe::admin_events_reply, "troupe.admin.events_reply");
