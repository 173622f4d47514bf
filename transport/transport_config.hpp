#pragma once
/// @file
/// Settings of a node's transport. Defaults suit a LAN; tests use shorter timeouts.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "troupe/node/clock.hpp"
#include "troupe/transport/phi_detector.hpp"
#include "troupe/transport/wire_limits.hpp"

namespace troupe::transport {

struct transport_config {
  /// The defaults: a SIGKILLed or SIGSTOPped peer is lost in about 0.65 s on a LAN.
  static transport_config defaults() { return {}; }
  /// For tests and fast failover: about 0.2 s, at the cost of more false suspicion under load.
  static transport_config aggressive() {
    transport_config c;
    c.heartbeat_interval = std::chrono::milliseconds(30);
    c.detector.acceptable_pause = std::chrono::milliseconds(100);
    c.detector.min_std_dev = std::chrono::milliseconds(20);
    c.peer_timeout = std::chrono::milliseconds(600);
    return c;
  }

  /// Where the node's ROUTER socket binds, e.g. tcp://127.0.0.1:7101 (tcp://127.0.0.1:* picks a port).
  std::string listen = "tcp://127.0.0.1:*";
  /// The address peers should use to reach this node, if not the bound one (e.g. behind NAT or
  /// in a container bound to 0.0.0.0).
  std::string advertise;
  /// Shared secret; a peer must prove it knows it. Never sent.
  std::string cookie = "troupe";
  /// Encrypt every connection with CurveZMQ, keys derived from the cookie.
  bool curve = false;
  /// A heartbeat goes out on a channel that sent nothing for this long.
  duration heartbeat_interval = std::chrono::milliseconds(100);
  /// A node tells a peer how many of its messages arrived (a receipt on HEARTBEAT, at most this
  /// often, or with a heartbeat that is due anyway), so that what a lost peer never confirmed is
  /// counted (transport_stats::unconfirmed_at_loss).
  duration receipt_interval = std::chrono::milliseconds(500);
  /// The phi-accrual failure detector (phi_detector.hpp): a peer whose silence reaches its
  /// threshold is lost, and its links and monitors fire noconnection.
  detector_config detector;
  /// How many members watch each member (Akka's `monitored-by-nr-of-members`): each node runs
  /// its detector on, and is sent heartbeats by, only the `monitored_by` members after it on the
  /// ring of member names (monitor_ring.hpp); a loss its detector decides is reported to every
  /// member (LOST frame), so the periodic cost per node does not grow with the cluster. A
  /// cluster of at most `monitored_by + 1` members is a full mesh of detectors, as before.
  /// 0: every member watches every member, plain HEARTBEATs only, no LOST frame. Peers that never
  /// send the watch flag (older releases, clients) are watched by all. docs/membership.md argues it.
  std::size_t monitored_by = 5;
  /// Hard cap: a peer silent this long is lost whatever the detector says.
  duration peer_timeout = std::chrono::milliseconds(1500);
  /// How long to wait between attempts to reach a lost peer again.
  duration reconnect_interval = std::chrono::milliseconds(250);
  /// A handshake not finished in this time is abandoned.
  duration handshake_timeout = std::chrono::seconds(3);
  /// Flow control per peer (Erlang's dist_buf_busy_limit): once this many bytes wait to go to a
  /// peer, the peer is busy. A process that sends to a busy peer is suspended after the message
  /// it is handling, until the queue is back under half of this; a plain thread waits (up to
  /// `send_block_timeout`) before it adds to a busy queue. Nothing is refused on a live
  /// connection that drains; the queue's memory stays near this bound (docs/runtime.md, "Sending
  /// to a busy node").
  std::size_t busy_bytes = 8 * 1024 * 1024;
  /// How long a plain (non-process) thread waits for a busy peer before its message is refused
  /// (a dead letter, counted in `send_timeouts` and `dropped_overload`).
  duration send_block_timeout = std::chrono::seconds(10);
  /// Hard bound of the outbound queue per peer, reached only by senders that cannot be
  /// suspended (the I/O thread, timers, a handler that sends a flood in one go): past either,
  /// sends are refused (counted in `dropped_overload`, dead-lettered).
  std::size_t max_queued_messages = 1'000'000;
  std::size_t max_queued_bytes = 128 * 1024 * 1024;
  /// Frames are batched into ZeroMQ messages of up to about this size.
  std::size_t batch_bytes = 256 * 1024;
  wire_limits limits;
  /// Called (on the I/O thread, once) when a peer refuses this node because a live member
  /// already holds its name; the argument is the peer's reason ("node name 'n2' is already in
  /// use by a live member at ..."). troupe-node stops with exit status 1. Empty: only logged.
  std::function<void(const std::string&)> on_name_in_use;
};

}  // namespace troupe::transport
