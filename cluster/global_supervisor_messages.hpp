#pragma once
/// @file
/// What global supervisor servers tell each other (see global_supervisor.hpp for the protocol).
/// Internal to cluster/: users go through `global_supervisor`.

#include <cstdint>
#include <string>
#include <vector>

#include "node/message_type.hpp"
#include "node/msgpack_adaptors.hpp"
#include "node/pid.hpp"

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
  MSGPACK_DEFINE(from, records, reports, reply, seq);
};

/// One report changed; a report neither running nor failed withdraws the child.
struct report {
  std::string from;
  child_report child;
  std::uint64_t seq = 0;  ///< the sender's counter over its syncs and reports
  MSGPACK_DEFINE(from, child, seq);
};

/// A spec written on this node (start_child / terminate_child), to merge and broadcast.
struct submit {
  child_record record;
};

/// Periodic re-evaluation (grace deadlines).
struct tick {};

}  // namespace troupe::gs

TROUPE_MESSAGE(troupe::gs::put, "troupe.global_supervisor.put");
TROUPE_MESSAGE(troupe::gs::sync, "troupe.global_supervisor.sync");
TROUPE_MESSAGE(troupe::gs::report, "troupe.global_supervisor.report");
TROUPE_LOCAL_MESSAGE(troupe::gs::submit, "troupe.global_supervisor.submit");
TROUPE_LOCAL_MESSAGE(troupe::gs::tick, "troupe.global_supervisor.tick");
