#pragma once
/// @file
/// `peer`: what this node knows about one other node, shared by the sending threads (which
/// check `up` and append to `out`) and the I/O thread (which owns the connection).

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "troupe/node/pid.hpp"
#include "troupe/transport/outbound_buffer.hpp"
#include "troupe/transport/remote_watches.hpp"
#include "troupe/transport/send_gate.hpp"

namespace troupe::transport {

/// A hidden node (a name starting with '~': troupectl, the Python client, the demos) is a
/// client, never a member: its coming and going is routine, logged at debug level and counted
/// apart from member losses (docs/PROTOCOL.md, "Hidden nodes").
[[nodiscard]] inline bool is_hidden_node(std::string_view name) noexcept { return name.starts_with('~'); }

struct peer {
  peer(std::string n, const transport_config& config) : name(std::move(n)), node(intern_node(name)), out(config), gate(out) {}

  const std::string name;
  const node_index node;
  /// Incarnation of the peer while `up`; a pid with another creation is dead.
  std::atomic<std::uint32_t> creation{0};
  /// True while a welcomed session lets us send to it.
  std::atomic<bool> up{false};
  /// True while up, or while a session to it is being set up: sends are queued meanwhile (so a
  /// reply to a peer that has just connected to us is not lost while we connect back).
  std::atomic<bool> reachable{false};
  /// The failure detector suspects it (phi above the suspicion level) but has not given up.
  std::atomic<bool> suspect{false};
  /// Fault injection (tests, netlab fallback): drop everything to and from this peer.
  std::atomic<bool> blocked{false};
  outbound_buffer out;
  /// Senders waiting for `out` to drain (flow control).
  send_gate gate;
  remote_watches watches;
};

}  // namespace troupe::transport
