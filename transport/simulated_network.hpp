#pragma once
/// @file
/// `simulated_network`: a node's `network` over the `sim_wire` of a deterministic simulation —
/// the second pump around the session engine (session.hpp), the ZeroMQ I/O thread being the
/// first. Every handshake (cookie proof included), type interning, heartbeat, loss, restart,
/// `dropped_session` and duplicate-name decision is the engine's, so a simulation seed runs the
/// protocol that ships. Outgoing messages go through the same `outbound_buffer` (type ids interned
/// per connection, batches) and arrive through the engine's per-connection type table.
///
/// What only this pump does, because the wire is not TCP:
/// - a packet carries its position in its connection: the receiver drops a duplicate and breaks
///   the connection on a gap (a lost packet costs the connection, as over TCP, never a silent
///   hole in the stream); a REJECT travels as the connection's `last` packet;
/// - a HELLO left unanswered goes out again on a new connection every `handshake_timeout / 3`
///   (ZeroMQ retrying a TCP connect, io_thread's `connect_timeout`). The engine's restart of a
///   stuck handshake when the peer reaches us is off here: a simulated packet can cross a
///   one-way cut, which a TCP connect cannot, so its arrival proves nothing about the way back;
/// - nonces come from a deterministic stream (slot, creation, counter), so a seed replays;
/// - it runs on the simulation's one thread and virtual clock: nothing is locked or woken.

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "troupe/node/actor_system.hpp"
#include "troupe/transport/codec.hpp"
#include "troupe/transport/network.hpp"
#include "troupe/transport/peer.hpp"
#include "troupe/transport/session.hpp"
#include "troupe/transport/sim_wire.hpp"
#include "troupe/transport/transport_stats.hpp"

namespace troupe::transport {

class simulated_network final : public network, public sim_endpoint {
 public:
  /// What the simulated transport counted (the wire's own, and the engine's in its terms).
  struct counters {
    std::uint64_t messages_out = 0, messages_in = 0, duplicates = 0, broken = 0, rejected = 0, peers_lost = 0,
                  dropped_on_loss = 0, undecodable = 0;
  };

  simulated_network(actor_system& system, sim_wire& wire, std::string address, transport_config config = {});
  ~simulated_network() override;
  simulated_network(const simulated_network&) = delete;
  simulated_network& operator=(const simulated_network&) = delete;

  result<void> start() override;
  /// A graceful stop: BYE to every peer, then noconnection for every watch. Idempotent.
  void stop() override;
  /// The node dies at once (SIGKILL): nothing more leaves or arrives, nothing is said.
  void crash();
  [[nodiscard]] std::string address() const override { return address_; }
  void connect(const std::string& address) override;
  [[nodiscard]] bool connected(std::string_view node) const override;
  envelope_ptr route(const pid& to, envelope_ptr e) override;
  bool send_to_name(std::string_view node, std::string_view name, envelope_ptr e) override;
  envelope_ptr route_to_name(std::string_view node, std::string_view name, envelope_ptr e) override;
  [[nodiscard]] std::vector<std::string> connected_nodes() const override;
  void on_peer_event(std::function<void(const peer_event&)> handler) override;
  void monitor_nodes(const pid& subscriber, bool on) override;
  [[nodiscard]] std::vector<peer_info> peers() const override;
  [[nodiscard]] const transport_config& config() const noexcept override { return config_; }

  void receive(const sim_packet& p) override;
  /// Liveness, heartbeats, handshake timeouts, redials: what the I/O thread does every 10 ms.
  void housekeeping();
  /// When `housekeeping` is due next.
  [[nodiscard]] time_point next_housekeeping() const noexcept { return next_housekeeping_; }
  [[nodiscard]] counters stats() const noexcept;
  /// The engine's counters, as the ZeroMQ transport reports them (auth failures, ...).
  [[nodiscard]] const transport_stats& protocol_stats() const noexcept { return protocol_stats_; }
  [[nodiscard]] std::size_t slot() const noexcept { return slot_; }

 private:
  /// The wire side of one of the engine's client connections.
  struct client_wire {
    std::size_t slot = 0;
    std::uint64_t session = 0;
    std::uint64_t seq_out = 0, seq_in = 0;
    time_point attempt{};  // when its current connection was made and the HELLO sent on it
  };
  /// The wire side of an accepted connection.
  struct accepted_wire {
    std::uint64_t seq_out = 0, seq_in = 0;
    std::string id;  // the engine's name for it (made once, not per packet)
  };
  using in_key = std::pair<std::size_t, std::uint64_t>;  // (client slot, session)

  void apply();
  void on(action::dial& a);
  void on(action::send& a);
  void on(action::close& a);
  void on(action::reply& a);
  void on(action::status& a);
  void on(action::up& a);
  void on(action::dropped& a);
  void on(action::deliver& a);
  void on(action::name_in_use& a);

  peer& peer_named(const std::string& name);
  peer* find_peer(std::string_view name) const;
  void publish(const peer_event& ev);
  void send_client(conn_id conn, std::string bytes);
  void redial(conn_id conn, client_wire& w);
  envelope_ptr unreachable(const pid& to, envelope_ptr e);
  bool enqueue(peer& p, const envelope& e, const msgpack::sbuffer& tail);
  void flush(peer& p);
  [[nodiscard]] nonce next_nonce();
  [[nodiscard]] static std::string key_name(const in_key& key);

  actor_system& system_;
  sim_wire& wire_;
  std::string address_;
  transport_config config_;
  std::size_t slot_;
  bool started_ = false;
  bool stopped_ = false;
  transport_stats protocol_stats_;
  std::uint64_t messages_out_ = 0, duplicates_ = 0, broken_ = 0, rejected_ = 0, nonces_ = 0;
  time_point next_housekeeping_{};
  session_engine engine_;
  std::vector<session_action> actions_scratch_;  // reused across apply() calls
  std::map<conn_id, client_wire> clients_;
  std::map<std::uint64_t, conn_id> by_session_;  // wire session -> client connection
  std::map<in_key, accepted_wire> accepted_;
  std::map<std::string, std::unique_ptr<peer>, std::less<>> peers_;
  std::map<std::string, conn_id, std::less<>> up_on_;  // peer -> the connection its queue goes on
  std::vector<std::function<void(const peer_event&)>> handlers_;
  std::vector<pid> node_monitors_;
};

}  // namespace troupe::transport
