#pragma once
/// @file
/// The sys requests and their replies (Erlang's system messages; see node/sys.hpp).
///
/// Every request is a call: the runtime answers it for the target process, whatever the process
/// is (plain actor, gen_server, gen_statem, supervisor...), before its handlers could see it.
/// Requests are ordinary messages in the mailbox, so they are ordered with the messages sent
/// before them — a `get_state` sent after a cast sees the cast's effect — and they are wire
/// messages, so the same call works on a pid of another node and from troupectl. Bodies are
/// MessagePack arrays in field order, as for every Troupe message (docs/behaviours/sys.md lists
/// them for clients in other languages).

#include <cstdint>
#include <string>
#include <vector>

#include "troupe/node/message_type.hpp"
#include "troupe/node/msgpack_adaptors.hpp"
#include "troupe/node/msgpack_value.hpp"
#include "troupe/node/pid.hpp"

namespace troupe::sys {

/// Answer to requests that return nothing else.
struct done_reply {
  bool ok = true;
  std::string error;  ///< why it failed, for people
  MSGPACK_DEFINE(ok, error);
};

/// Asks for the process's state; replies `state_reply`.
struct get_state_request {
  MSGPACK_DEFINE();
};
/// Replaces the process's state with `state` (one MessagePack value); replies `state_reply`
/// holding the state as it is afterwards.
struct replace_state_request {
  msgpack_value state;
  MSGPACK_DEFINE(state);
};
struct state_reply {
  bool ok = false;
  std::string error;    ///< why it failed, for people
  msgpack_value state;  ///< the state, as the process encodes it
  std::string code;     ///< why it failed, for programs: "not_found" (no inspectable state), "codec"
  MSGPACK_DEFINE(ok, error, state, code);
};

/// Stops the process handling ordinary messages: they stay queued, in order, until `resume`.
/// It still answers sys requests and acts on signals (a kill still kills). Replies `done_reply`.
struct suspend_request {
  MSGPACK_DEFINE();
};
/// Lets a suspended process handle its queued messages again, oldest first. Replies `done_reply`.
struct resume_request {
  MSGPACK_DEFINE();
};

/// Asks for the process's counters; replies `process_statistics`.
struct statistics_request {
  MSGPACK_DEFINE();
};
struct process_statistics {
  std::int64_t started_at_us = 0;  ///< when it was spawned, µs since the Unix epoch
  std::int64_t now_us = 0;         ///< when it answered, same clock
  std::uint64_t messages_received = 0;  ///< messages that reached its queue (sys requests excluded)
  std::uint64_t messages_handled = 0;   ///< messages its handlers ran for
  std::uint64_t messages_sent = 0;      ///< messages it sent (replies included; signals and timers not)
  std::uint64_t turns = 0;              ///< scheduler turns it ran (Erlang's reductions, coarsely)
  std::uint64_t mailbox_length = 0;     ///< messages queued now
  std::uint64_t mailbox_high_water = 0;
  std::string status;  ///< "running" or "suspended"
  bool tracing = false;
  MSGPACK_DEFINE(started_at_us, now_us, messages_received, messages_handled, messages_sent, turns, mailbox_length,
                 mailbox_high_water, status, tracing);
};

/// Turns the trace on or off. Turning it on empties the trace. `capacity` bounds it (the oldest
/// events go first; 0 means 256, at most 65536); `log` also prints each event through the node's
/// log at info level. Turning it off keeps what was recorded. Replies `done_reply`.
struct trace_request {
  bool on = false;
  std::uint32_t capacity = 0;
  bool log = false;
  MSGPACK_DEFINE(on, capacity, log);
};
/// Asks for the recorded trace, oldest first; `clear` empties it. Replies `trace_reply`.
struct get_trace_request {
  bool clear = false;
  MSGPACK_DEFINE(clear);
};
/// One message the process took from its queue ("in") or sent ("out").
struct trace_event {
  std::int64_t time_us = 0;  ///< µs since the Unix epoch
  std::string direction;     ///< "in" or "out"
  pid peer;                  ///< the sender of an "in", the receiver of an "out" (null: no process)
  std::string type;          ///< the message's wire name
  std::string kind;          ///< "message", "call" or "reply"
  MSGPACK_DEFINE(time_us, direction, peer, type, kind);
};
struct trace_reply {
  bool enabled = false;
  std::uint64_t dropped = 0;  ///< events pushed out by newer ones since the trace was turned on
  std::vector<trace_event> events;
  MSGPACK_DEFINE(enabled, dropped, events);
};

}  // namespace troupe::sys

TROUPE_SYSTEM_MESSAGE(troupe::sys::get_state_request, "troupe.sys.get_state");
TROUPE_SYSTEM_MESSAGE(troupe::sys::replace_state_request, "troupe.sys.replace_state");
TROUPE_SYSTEM_MESSAGE(troupe::sys::suspend_request, "troupe.sys.suspend");
TROUPE_SYSTEM_MESSAGE(troupe::sys::resume_request, "troupe.sys.resume");
TROUPE_SYSTEM_MESSAGE(troupe::sys::statistics_request, "troupe.sys.statistics");
TROUPE_SYSTEM_MESSAGE(troupe::sys::trace_request, "troupe.sys.trace");
TROUPE_SYSTEM_MESSAGE(troupe::sys::get_trace_request, "troupe.sys.get_trace");
TROUPE_MESSAGE(troupe::sys::done_reply, "troupe.sys.done");
TROUPE_MESSAGE(troupe::sys::state_reply, "troupe.sys.state");
TROUPE_MESSAGE(troupe::sys::process_statistics, "troupe.sys.statistics_reply");
TROUPE_MESSAGE(troupe::sys::trace_reply, "troupe.sys.trace_reply");
