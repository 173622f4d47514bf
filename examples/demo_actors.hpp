#pragma once
/// @file
/// The actor types the demos (examples/) start on troupe-node, and the messages they speak.
/// The demos link this too, so both sides agree on the wire names. It uses the public API only:
/// the demos depend on the library, and troupe-node (a tool) on this file, not the other way.
///
/// - `demo.pinger`: measures round trips. A call `demo.ping.run{target, count}` makes it send
///   `count` pings, one after the other, as calls to `target` (an `echo`, which answers with the
///   very message), and answer with every round-trip time (`demo.ping.stats`).
/// - `demo.kv`: a key-value gen_server meant to run under the global supervisor: `put`, `incr`
///   and `get` answer `demo.kv.reply`, which names the node the store runs on. It saves a global
///   snapshot after every write, so a moved store resumes its keys (cluster/global_snapshot.hpp).
/// - `demo.chat_member`: a chat bot. Arguments `[room, nick]`; it joins the process group
///   `chat.<room>` and answers every line a person (not a bot) says there, to the whole room.

#include <cstdint>
#include <string>
#include <vector>

#include "troupe/node/message_type.hpp"
#include "troupe/node/msgpack_adaptors.hpp"
#include "troupe/node/pid.hpp"

namespace troupe {
class process_groups;
}

namespace troupe::demo {

// --- ping-pong ---------------------------------------------------------------------------
struct ping {
  std::uint64_t seq = 0;
  MSGPACK_DEFINE(seq);
};
/// Call: ping `target` `count` times in a row; the answer is `ping_stats`.
struct ping_run {
  pid target;
  std::uint32_t count = 0;
  MSGPACK_DEFINE(target, count);
};
struct ping_stats {
  std::vector<std::int64_t> rtt_ns;  ///< one per answered ping, in order
  std::uint32_t failed = 0;          ///< pings that got no answer within a second
  std::string node;                  ///< where the pinger ran
  MSGPACK_DEFINE(rtt_ns, failed, node);
};

// --- key-value store ---------------------------------------------------------------------
struct kv_put {
  std::string key;
  std::int64_t value = 0;
  MSGPACK_DEFINE(key, value);
};
struct kv_incr {
  std::string key;
  std::int64_t by = 1;
  MSGPACK_DEFINE(key, by);
};
struct kv_get {
  std::string key;
  MSGPACK_DEFINE(key);
};
struct kv_reply {
  std::string key;
  std::int64_t value = 0;
  bool found = false;
  std::string node;       ///< the node the store runs on
  bool restored = false;  ///< this incarnation of the store started from a snapshot
  MSGPACK_DEFINE(key, value, found, node, restored);
};

// --- chat ----------------------------------------------------------------------------------
/// One line said in a room; every member of the room's group gets it.
struct chat_line {
  std::string room;
  std::string nick;
  std::string text;
  bool bot = false;
  MSGPACK_DEFINE(room, nick, text, bot);
};

/// The process group of a chat room.
inline std::string chat_group(const std::string& room) { return "chat." + room; }

/// Registers `demo.pinger` and `demo.kv`, and `demo.chat_member` when `groups` is given (it
/// needs the node's process groups). Call once at start-up.
void register_demo_actors(process_groups* groups);

}  // namespace troupe::demo

TROUPE_MESSAGE(troupe::demo::ping, "demo.ping");
TROUPE_MESSAGE(troupe::demo::ping_run, "demo.ping.run");
TROUPE_MESSAGE(troupe::demo::ping_stats, "demo.ping.stats");
TROUPE_MESSAGE(troupe::demo::kv_put, "demo.kv.put");
TROUPE_MESSAGE(troupe::demo::kv_incr, "demo.kv.incr");
TROUPE_MESSAGE(troupe::demo::kv_get, "demo.kv.get");
TROUPE_MESSAGE(troupe::demo::kv_reply, "demo.kv.reply");
TROUPE_MESSAGE(troupe::demo::chat_line, "demo.chat.line");
