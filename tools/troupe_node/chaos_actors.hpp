#pragma once
/// @file
/// Actor types for the chaos scenarios (tools/chaos, docs/chaos.md). troupe-node hosts them
/// next to `echo` and `counter`; the scenario runner spawns them with troupectl.
///
/// - `chaos.receiver`: counts `chaos.seq` messages per sender and checks their order as they
///   arrive: a sequence number that goes back is a FIFO violation, one that skips ahead is a gap
///   (messages lost) that a `noconnection` DOWN must explain. It monitors every sender it hears
///   from (again after each DOWN), and counts `chaos.blob`s (the flood of the memory check).
/// - `chaos.sender` (args `[target pid, interval ms]`): monitors its target and sends it
///   `chaos.seq{epoch, n}` with n = 1, 2, 3… every interval. A `noconnection` DOWN starts a new
///   epoch and a new monitor; any other DOWN means the target is gone and it stops sending.
/// - `chaos.flooder` (args `[target pid, messages per tick, bytes per message, tick ms]`):
///   sends blobs as fast as told, with no flow control of its own, to load a slow or paused
///   receiver (the runtime's flow control suspends it while the receiver's node is busy).
/// - `chaos.singleton` (args: its child id, a string): a global child that logs when it starts and
///   stops, so a checker can prove it never ran twice; also answers the counter messages.
///
/// Every one of them answers `chaos.report{}` with `chaos.report_reply{json}` (its state as a JSON
/// object) and appends its events — monitors, DOWNs, gaps, starts and stops — as JSON lines to
/// the file named by the environment variable `TROUPE_CHAOS_LOG` (nothing is written when it is
/// unset). The events of a SIGKILLed node survive in that file: the checkers read it.

#include <cstdint>
#include <string>

#include <utility>
#include <vector>

#include "troupe/node/actor_factory.hpp"
#include "troupe/node/message_type.hpp"

namespace troupe::chaos {

/// One numbered message of a monitored stream; `epoch` counts the sender's noconnection DOWNs.
struct seq {
  std::uint32_t epoch = 0;
  std::uint64_t n = 0;
  MSGPACK_DEFINE(epoch, n);
};
/// Payload of the flood.
struct blob {
  std::string data;
  MSGPACK_DEFINE(data);
};
/// A process's timer tick (local only in practice).
struct tick {
  MSGPACK_DEFINE();
};
/// Asks a chaos actor for its state.
struct report {
  MSGPACK_DEFINE();
};
struct report_reply {
  std::string json;
  MSGPACK_DEFINE(json);
};

/// `chaos.receiver`, `chaos.sender`, `chaos.flooder` and `chaos.singleton`, with their factories.
std::vector<std::pair<std::string, actor_factory>> chaos_actor_types();

}  // namespace troupe::chaos

TROUPE_MESSAGE(troupe::chaos::seq, "chaos.seq");
TROUPE_MESSAGE(troupe::chaos::blob, "chaos.blob");
TROUPE_MESSAGE(troupe::chaos::tick, "chaos.tick");
TROUPE_MESSAGE(troupe::chaos::report, "chaos.report");
TROUPE_MESSAGE(troupe::chaos::report_reply, "chaos.report_reply");
