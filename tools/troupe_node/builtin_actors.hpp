#pragma once
/// @file
/// The actor types every troupe-node hosts, so users can try remote spawn, calls and (later) the
/// global supervisor from the command line:
/// - `echo`: answers a call with the very message it got; a plain send is sent back to the sender.
/// - `counter`: holds an integer; `troupe.counter.inc{by}` adds, `troupe.counter.get{}` answers
///   `troupe.counter.value{n}`. Its argument is the starting value (or nil). Under the global
///   supervisor it snapshots its value on every change, so it resumes from it after a move.

#include <cstdint>

#include <string>
#include <utility>
#include <vector>

#include "troupe/node/actor_factory.hpp"
#include "troupe/node/message_type.hpp"

namespace troupe {
class node_app;
}

namespace troupe::builtin {

struct counter_inc {
  std::int64_t by = 1;
  MSGPACK_DEFINE(by);
};
struct counter_get {
  MSGPACK_DEFINE();
};
struct counter_value {
  std::int64_t n = 0;
  MSGPACK_DEFINE(n);
};

/// `echo`, `counter` and the chaos workload's types with their factories.
std::vector<std::pair<std::string, actor_factory>> builtin_actor_types();
/// Registers them with the process-wide actor factory (tests).
void register_builtin_actors();
/// Hosts them in a node program.
void host_builtin_actors(node_app& app);

}  // namespace troupe::builtin

TROUPE_MESSAGE(troupe::builtin::counter_inc, "troupe.counter.inc");
TROUPE_MESSAGE(troupe::builtin::counter_get, "troupe.counter.get");
TROUPE_MESSAGE(troupe::builtin::counter_value, "troupe.counter.value");
