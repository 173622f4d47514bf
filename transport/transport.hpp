#pragma once
/// @file
/// `transport`: how a node reaches the others — the `remote_router` the runtime hands remote
/// sends to, over ZeroMQ.
///
/// Each node binds one ROUTER socket and reaches each peer through a DEALER connected to the
/// peer's ROUTER, so every node pair has one ordered channel each way: messages from one process
/// to another arrive in the order sent. One I/O thread owns every socket (ZeroMQ sockets are not
/// thread-safe); sending threads encode their message themselves and append it to the peer's
/// `outbound_buffer`, waking the I/O thread only when it sleeps.
///
/// Failure semantics (as Erlang's distribution): a peer that disconnects, stops answering for
/// `peer_timeout`, or restarts is lost — every link to its processes fires exit `noconnection`,
/// every monitor DOWN `noconnection`, queued messages to it are dropped (counted), and processes
/// that asked get `node_down`. A pid of a previous incarnation of a node is dead (`noproc`).
///
/// Flow control (as Erlang's busy distribution port): while more than `busy_bytes` wait to go to
/// a peer, a process sending to it is suspended after its current message until the queue is
/// under half of that, and a plain thread's send blocks (up to `send_block_timeout`, then the
/// message is refused: a dead letter, counted). Nothing is dropped while the peer is up.
///
/// See docs/PROTOCOL.md for the frames and the handshake.

#include <array>
#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "troupe/node/actor_system.hpp"
#include "troupe/transport/network.hpp"
#include "troupe/transport/link_faults.hpp"
#include "troupe/transport/peer.hpp"
#include "troupe/transport/transport_config.hpp"
#include "troupe/transport/transport_stats.hpp"

namespace troupe::transport {

class io_thread;

class transport final : public network {
 public:
  transport(actor_system& system, transport_config config);
  /// Stops the I/O thread and detaches from the runtime.
  ~transport() override;
  transport(const transport&) = delete;
  transport& operator=(const transport&) = delete;

  /// Binds the listen address, starts the I/O thread and installs itself as the runtime's
  /// router. Fails with a clear error if the address cannot be bound.
  result<void> start() override;
  /// Stops: says BYE to peers, closes every socket, joins the I/O thread. Idempotent.
  void stop() override;
  /// The address peers use to reach this node (the advertised or the bound one).
  [[nodiscard]] std::string address() const override;

  /// Connects to a node at `address` (asynchronously); `peer_event{up}` says when it is up.
  void connect(const std::string& address) override;
  /// Whether `node` is connected now.
  [[nodiscard]] bool connected(std::string_view node) const override;
  /// Blocks (a non-actor thread) until `node` is up or `timeout` passes.
  bool wait_connected(std::string_view node, duration timeout) const;

  envelope_ptr route(const pid& to, envelope_ptr e) override;
  /// Sends to a process registered as `name` on `node`. False if the node is not connected.
  bool send_to_name(std::string_view node, std::string_view name, envelope_ptr e) override;
  /// As `send_to_name`, giving `e` back when `node` is not connected; a monitor sent this way
  /// fires `noconnection` if the node is lost before the DOWN comes back.
  envelope_ptr route_to_name(std::string_view node, std::string_view name, envelope_ptr e) override;
  /// The member nodes that are up now (hidden nodes excluded).
  [[nodiscard]] std::vector<std::string> connected_nodes() const override;

  /// Calls `handler` for every peer up/down (on the I/O thread). @threadsafe
  void on_peer_event(std::function<void(const peer_event&)> handler) override;
  /// Sends `node_up` / `node_down` messages to `subscriber` (Erlang monitor_nodes). @threadsafe
  void monitor_nodes(const pid& subscriber, bool on) override;

  /// Fault injection for partition tests: while blocked, every frame to and from `node` is
  /// dropped at this end (a one-way cut; block on both ends for a full partition). The peer is
  /// then lost by the failure detector, and found again once unblocked. @threadsafe
  void set_blocked(std::string_view node, bool blocked);
  /// Delay, jitter and loss on the links to peers (tests; netlab without netem). See link_faults.hpp.
  [[nodiscard]] link_faults& faults() noexcept { return faults_; }

  [[nodiscard]] std::vector<peer_info> peers() const override;
  [[nodiscard]] const transport_stats& stats() const noexcept { return stats_; }
  [[nodiscard]] const transport_config& config() const noexcept override { return config_; }
  [[nodiscard]] actor_system& system() noexcept { return system_; }

 private:
  friend class io_thread;

  peer* find_peer(node_index node) const noexcept;
  peer& peer_named(const std::string& name);
  envelope_ptr unreachable(const pid& to, envelope_ptr e);
  bool enqueue(peer& p, const envelope& e, const msgpack::sbuffer& tail);
  /// Whether this thread may wait for a busy peer (not the I/O thread, not a scheduler thread).
  bool may_block() const noexcept;
  void refused(peer& p, const envelope& e, std::string_view why);
  void wake_io() noexcept;
  void publish(const peer_event& ev);

  actor_system& system_;
  transport_config config_;
  transport_stats stats_;
  link_faults faults_;
  std::unique_ptr<io_thread> io_;
  bool started_ = false;

  // Peers by node index: a lock-free read on every remote send. Peers live as long as the
  // transport, so a pointer read here stays valid.
  static constexpr std::size_t max_nodes = 4096;
  std::array<std::atomic<peer*>, max_nodes> by_node_{};
  mutable std::mutex peers_mutex_;
  std::deque<std::unique_ptr<peer>> peers_;

  mutable std::mutex events_mutex_;
  mutable std::condition_variable events_cv_;
  std::vector<std::function<void(const peer_event&)>> handlers_;
  std::vector<pid> node_monitors_;
};

}  // namespace troupe::transport
