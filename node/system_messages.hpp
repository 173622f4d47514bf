#pragma once
/// @file
/// Messages the runtime delivers to processes, and the control signals it exchanges.
///
/// A process receives `exit_msg` (a trapped exit signal), `down_msg` (a monitor fired) and
/// `timeout_msg` (its receive timeout expired) as ordinary messages, handled like any other type.
/// The `*_signal` types are control signals: they travel like messages, in order with them, but a
/// process acts on them itself as soon as they arrive (as Erlang signals do), before handling the
/// messages already queued.

#include <cstdint>
#include <memory>

#include "troupe/node/exit_reason.hpp"
#include "troupe/node/message_type.hpp"
#include "troupe/node/msgpack_adaptors.hpp"
#include "troupe/node/pid.hpp"
#include "troupe/node/timer_queue.hpp"

namespace troupe {

/// A trapped exit signal: `from` exited (or called exit on us) with `reason`. Erlang {'EXIT', From, Reason}.
struct exit_msg {
  pid from;
  exit_reason reason;
  MSGPACK_DEFINE(from, reason);
};

/// A monitor fired: `who` exited with `reason` (noproc if it was dead, noconnection if its node
/// was lost). Erlang {'DOWN', Ref, process, Who, Reason}.
struct down_msg {
  ref_id ref = 0;
  pid who;
  exit_reason reason;
  MSGPACK_DEFINE(ref, who, reason);
};

/// No message arrived within the receive timeout the process asked for.
struct timeout_msg {
  MSGPACK_DEFINE();
};

namespace signals {

/// The sender links itself to the receiver.
struct link {
  MSGPACK_DEFINE();
};
/// The sender removes its link to the receiver.
struct unlink {
  MSGPACK_DEFINE();
};
/// An exit signal from the sender: `linked` is true when it comes from a link (the sender exited),
/// false when the sender called exit(pid, reason).
struct exit {
  exit_reason reason;
  bool linked = false;
  MSGPACK_DEFINE(reason, linked);
};
/// The sender monitors the receiver under `ref`.
struct monitor {
  ref_id ref = 0;
  MSGPACK_DEFINE(ref);
};
/// The sender drops its monitor `ref` on the receiver.
struct demonitor {
  ref_id ref = 0;
  MSGPACK_DEFINE(ref);
};
/// The monitored sender is gone; becomes a down_msg if the receiver still holds `ref`.
struct down {
  ref_id ref = 0;
  exit_reason reason;
  MSGPACK_DEFINE(ref, reason);
};
/// The node is stopping: the receiver terminates with `shutdown` whether it traps exits or not.
struct node_shutdown {};

}  // namespace signals
}  // namespace troupe

TROUPE_MESSAGE(troupe::exit_msg, "troupe.EXIT");
TROUPE_MESSAGE(troupe::down_msg, "troupe.DOWN");
TROUPE_MESSAGE(troupe::timeout_msg, "troupe.timeout");
TROUPE_SIGNAL(troupe::signals::link, "troupe.sig.link");
TROUPE_SIGNAL(troupe::signals::unlink, "troupe.sig.unlink");
TROUPE_SIGNAL(troupe::signals::exit, "troupe.sig.exit");
TROUPE_SIGNAL(troupe::signals::monitor, "troupe.sig.monitor");
TROUPE_SIGNAL(troupe::signals::demonitor, "troupe.sig.demonitor");
TROUPE_SIGNAL(troupe::signals::down, "troupe.sig.down");

template <>
struct troupe::message_traits<troupe::signals::node_shutdown> {
  static constexpr bool wire = false;
  static inline const ::troupe::message_type& type =
      ::troupe::detail::make_message_type<troupe::signals::node_shutdown, false, true>("troupe.sig.node_shutdown");
};

namespace troupe::detail {
/// A timer's message, wrapped so the receiver can check, just before handling it, that the timer
/// was not cancelled after it fired.
struct timed_message {
  std::shared_ptr<timer_state> state;
  envelope_ptr inner;
};
}  // namespace troupe::detail

TROUPE_LOCAL_MESSAGE(troupe::detail::timed_message, "troupe.timed");

namespace troupe::detail {
/// A call made with actor::request ran out of time.
struct call_timeout {
  ref_id ref = 0;
};
}  // namespace troupe::detail

TROUPE_LOCAL_MESSAGE(troupe::detail::call_timeout, "troupe.call_timeout");

namespace troupe::detail {
/// The receive-timeout timer went off; the process checks whether it really was idle.
struct receive_tick {
  /// The receive timeout this tick belongs to (see `actor::timeout_generation_`).
  std::uint64_t generation = 0;
};
}  // namespace troupe::detail

template <>
struct troupe::message_traits<troupe::detail::receive_tick> {
  static constexpr bool wire = false;
  static inline const ::troupe::message_type& type =
      ::troupe::detail::make_message_type<troupe::detail::receive_tick, false, true>("troupe.sig.receive_tick");
};
