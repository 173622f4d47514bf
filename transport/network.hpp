#pragma once
/// @file
/// `network`: what the cluster layer needs from the thing that links a node to its peers.
///
/// Two implementations: `transport` (ZeroMQ, real sockets and an I/O thread) and
/// `simulated_network` (tests/simulation: many nodes in one process, a virtual clock, seeded
/// faults). Membership, the global registry, process groups and the global supervisor talk to
/// this interface only, so the same code runs over both.
///
/// Both keep the same failure semantics (see transport.hpp): a peer that disconnects, stops
/// answering for `config().peer_timeout`, or restarts is lost; links and monitors on its
/// processes fire `noconnection`; subscribers get `peer_event`s and `node_up` / `node_down`; a
/// pid of a previous incarnation is dead.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "troupe/node/error.hpp"
#include "troupe/node/remote_router.hpp"
#include "troupe/transport/transport_config.hpp"

namespace troupe::transport {

/// A peer as seen from outside the network.
struct peer_info {
  std::string name;
  std::uint32_t creation = 0;
  bool up = false;
  bool suspect = false;
  std::string address;
  std::size_t queued_messages = 0;
  std::size_t watches = 0;
  /// Flow control (transport.hpp): bytes waiting to go, whether the peer is busy, senders
  /// suspended on it now (processes parked and threads blocked), suspensions so far.
  std::size_t queued_bytes = 0;
  bool busy = false;
  std::size_t suspended_senders = 0;
  std::uint64_t suspensions = 0;
};

/// A peer came up or went down. Delivered on the network's own thread: keep handlers short.
struct peer_event {
  std::string name;
  std::uint32_t creation = 0;
  bool up = false;
  std::string reason;  ///< why it went down
  std::string address;
};

class network : public remote_router {
 public:
  /// Starts reaching peers and installs itself as the runtime's router.
  virtual result<void> start() = 0;
  /// Stops: peers are told goodbye, links and monitors to them fire. Idempotent.
  virtual void stop() = 0;
  /// The address peers use to reach this node.
  [[nodiscard]] virtual std::string address() const = 0;
  /// Connects to a node at `address` (asynchronously); `peer_event{up}` says when it is up.
  virtual void connect(const std::string& address) = 0;
  /// Whether `node` is connected now. @threadsafe
  [[nodiscard]] virtual bool connected(std::string_view node) const = 0;
  /// Sends to a process registered as `name` on `node`. False if the node is not connected.
  /// @threadsafe
  virtual bool send_to_name(std::string_view node, std::string_view name, envelope_ptr e) = 0;
  /// Calls `handler` for every peer up/down. @threadsafe
  virtual void on_peer_event(std::function<void(const peer_event&)> handler) = 0;
  /// Sends `node_up` / `node_down` messages to `subscriber` (Erlang monitor_nodes). @threadsafe
  virtual void monitor_nodes(const pid& subscriber, bool on) = 0;
  /// Every peer this node knows. @threadsafe
  [[nodiscard]] virtual std::vector<peer_info> peers() const = 0;
  /// Timeouts and limits (peer_timeout is what the global supervisor's grace defaults to).
  [[nodiscard]] virtual const transport_config& config() const noexcept = 0;
};

}  // namespace troupe::transport
