#pragma once
/// @file
/// What global supervisor servers tell each other (see global_supervisor.hpp for the protocol).
/// Internal to cluster/: users go through `global_supervisor`.

#include <cstdint>
#include <string>
#include <vector>

#include "troupe/node/clock.hpp"
#include "troupe/node/message_type.hpp"
#include "troupe/node/msgpack_adaptors.hpp"
#include "troupe/node/pid.hpp"

namespace troupe::gs {

/// One replicated child spec. Replicas keep, per id, the record with the greatest
/// (version, origin); a removal is a record with `removed` set (a tombstone), so a removal
/// and a re-add made concurrently converge too.
struct child_record {
  std::string id;
  std::string type;
  std::vector<char> args;
  std::uint8_t restart = 0;  ///< restart_type
  std::string name;          ///< global name; empty: none
  std::vector<std::string> preferred;
  bool pinned = false;
  std::uint64_t version = 0;  ///< hybrid clock: microseconds, bumped past every version seen
  std::string origin;         ///< node that wrote this version (tie-break)
  bool removed = false;
  MSGPACK_DEFINE(id, type, args, restart, name, preferred, pinned, version, origin, removed);
};

/// What a node says of a child it runs (or gave up on). Each node is the only authority on its
/// own reports.
struct child_report {
  std::string id;
  pid child;
  std::uint32_t restarts = 0;
  bool running = false;
  bool failed = false;
  std::int64_t moved_at_ms = 0;  ///< wall clock, when it started on this node
  std::string name;
  MSGPACK_DEFINE(id, child, restarts, running, failed, moved_at_ms, name);
};

/// A spec was added, changed or removed (broadcast by whoever wrote it).
struct put {
  child_record record;
  MSGPACK_DEFINE(record);
};

/// The sender's full state: every spec it knows and its own reports, which replace all the
/// receiver held from the sender. `reply`: answer with yours.
struct sync {
  std::string from;
  std::vector<child_record> records;
  std::vector<child_report> reports;
  bool reply = false;
  std::uint64_t seq = 0;  ///< the sender's counter over its syncs and reports
  bool draining = false;  ///< the sender is handing its children off before it leaves
  std::vector<std::string> view;  ///< the sender's view (itself and its synced peers), sorted
  std::vector<std::string> types;  ///< the actor types the sender hosts, sorted (mixed clusters)
  MSGPACK_DEFINE(from, records, reports, reply, seq, draining, view, types);
};

/// One report changed; a report neither running nor failed withdraws the child.
struct report {
  std::string from;
  child_report child;
  std::uint64_t seq = 0;  ///< the sender's counter over its syncs and reports
  MSGPACK_DEFINE(from, child, seq);
};

/// The sender's view changed (see "Bridge partitions" in global_supervisor.hpp).
struct view_notice {
  std::string from;
  std::vector<std::string> view;
  MSGPACK_DEFINE(from, view);
};

/// The sender is draining: it hands its children off and will leave; place nothing on it.
struct drain_notice {
  std::string from;
  MSGPACK_DEFINE(from);
};

/// A child's snapshot, sent by its owner to the member that would own it next.
struct snapshot_put {
  std::string id;
  std::uint64_t version = 0;  ///< the owner's hybrid clock when the child saved it
  std::vector<char> state;
  MSGPACK_DEFINE(id, version, state);
};

/// Asks the local server to drain (global_supervisor::drain).
struct begin_drain {};

/// A spec written on this node (start_child / terminate_child), to merge and broadcast.
struct submit {
  child_record record;
};

/// Re-evaluate ownership now that a burst of events is handled (server::request_reconcile).
struct reconcile_now {};

/// Periodic re-evaluation (grace deadlines). Stamped when its timer fires, not when it is
/// handled: a late firing means the whole process was stalled; a late handling only means a
/// busy mailbox.
struct tick {
  time_point deadline{};
  time_point fired{};
};

}  // namespace troupe::gs

TROUPE_MESSAGE(troupe::gs::put, "troupe.global_supervisor.put");
TROUPE_MESSAGE(troupe::gs::sync, "troupe.global_supervisor.sync");
TROUPE_MESSAGE(troupe::gs::report, "troupe.global_supervisor.report");
TROUPE_MESSAGE(troupe::gs::drain_notice, "troupe.global_supervisor.drain");
TROUPE_MESSAGE(troupe::gs::view_notice, "troupe.global_supervisor.view");
TROUPE_MESSAGE(troupe::gs::snapshot_put, "troupe.global_supervisor.snapshot_put");
TROUPE_LOCAL_MESSAGE(troupe::gs::begin_drain, "troupe.global_supervisor.begin_drain");
TROUPE_LOCAL_MESSAGE(troupe::gs::submit, "troupe.global_supervisor.submit");
TROUPE_LOCAL_MESSAGE(troupe::gs::reconcile_now, "troupe.global_supervisor.reconcile_now");
TROUPE_LOCAL_MESSAGE(troupe::gs::tick, "troupe.global_supervisor.tick");
