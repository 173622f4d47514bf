#pragma once
/// @file
/// Spawning by type name, on this node or another: every node runs a spawner process at the
/// well-known serial 1 (`<node.creation.1>`), which builds the requested actor from the
/// registered factory (actor_factory.hpp) and answers with its pid.
///
/// Link and monitor options are set up atomically, as Erlang's spawn_request does: the child
/// is published with the link (or the monitor) already in place, and the reply leaves before the
/// child can run, so the requester never misses an early exit.

#include <string>
#include <vector>

#include "troupe/node/actor_system.hpp"
#include "troupe/node/msgpack_adaptors.hpp"

namespace troupe {

/// Asks a spawner for a new process of `type` built from `args` (MessagePack bytes).
struct spawn_request {
  std::string type;
  std::vector<char> args;  ///< one MessagePack value; empty means nil
  bool link = false;       ///< link the child to the requester
  ref_id monitor_ref = 0;  ///< non-zero: the requester monitors the child under this ref
  MSGPACK_DEFINE(type, args, link, monitor_ref);
};

/// The spawner's answer: the new pid, or an error text. Like Erlang's spawn_reply it is a
/// signal: the receiving process records the link or monitor it carries as soon as it arrives,
/// before any exit signal the child may already have sent, then handles it as a call reply.
struct spawn_reply {
  pid child;
  std::string error;
  bool linked = false;
  ref_id monitor_ref = 0;
  MSGPACK_DEFINE(child, error, linked, monitor_ref);
};

/// Options of a spawn by type name.
struct spawn_options {
  bool link = false;
  bool monitor = false;
};

/// The result of a spawn by type name: the child, and the monitor ref if one was asked for.
struct spawned {
  pid child;
  ref_id monitor_ref = 0;
};

/// The serial of every node's spawner process.
inline constexpr std::uint64_t spawner_serial = 1;

/// Starts this node's spawner; it must be the node's first process (serial 1).
pid start_spawner(actor_system& sys);

/// The spawner of node `node_name` in its incarnation `creation`.
inline pid spawner_of(std::string_view node_name, std::uint32_t creation) {
  return pid{intern_node(node_name), creation, spawner_serial};
}

/// Packs `args` as spawn arguments.
template <class T>
std::vector<char> spawn_args(const T& args) {
  msgpack::sbuffer b;
  msgpack::pack(b, args);
  return {b.data(), b.data() + b.size()};
}

}  // namespace troupe

TROUPE_MESSAGE(troupe::spawn_request, "troupe.spawn_request");
TROUPE_SIGNAL(troupe::spawn_reply, "troupe.spawn_reply");

namespace troupe {

class blocking_actor;

/// Spawns `type` through `spawner` (any node's, see spawner_of) from a process, without
/// blocking: `done` runs in this process. With `link`, the caller is linked to the child from
/// its first instant; with `monitor`, it monitors it.
void spawn_by_name(actor& self, const pid& spawner, std::string type, std::vector<char> args, spawn_options opts,
                   duration timeout, std::function<void(result<spawned>)> done);
/// The same from a blocking (scoped) actor's thread.
result<spawned> spawn_by_name(blocking_actor& self, const pid& spawner, std::string type, std::vector<char> args,
                              spawn_options opts, duration timeout);

}  // namespace troupe
