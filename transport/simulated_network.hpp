#pragma once
/// @file
/// `simulated_network`: a node's `network` over the `sim_wire` of a deterministic simulation.
///
/// It follows the ZeroMQ transport's model step by step (io_thread.cpp), so that the cluster
/// code above sees the same behaviour:
/// - each node dials a connection (a session) to every peer and sends on it; the peer answers
///   on the same connection; a HELLO is answered with CHALLENGE + WELCOME (no cookie proof:
///   every simulated node is trusted), and the server dials back if it has no session yet;
/// - the frames are the real protocol's, encoded and decoded by transport/codec (type names
///   travel in full: no per-connection interning);
/// - heartbeats on idle sessions, the phi-accrual detector and `peer_timeout`, handshake
///   timeouts and redialling lost peers every `reconnect_interval`, all on the virtual clock;
/// - a HELLO left unanswered goes out again on a new connection every `handshake_timeout / 3`
///   (ZeroMQ retrying a TCP connect). io_thread also restarts a stuck handshake when the peer
///   reaches it; not here: a simulated HELLO can cross a one-way cut, which a TCP connect
///   cannot, so its arrival does not prove the way back works (the retry covers the case);
/// - losing a peer (timeout, connection broken, rejected, restarted, left) fires noconnection
///   for every link and monitor across it, drops what was queued to it, publishes a
///   `peer_event` and `node_down`; a pid of an older incarnation is dead.
/// Like TCP, a connection drops duplicates and breaks on a gap: a lost packet costs the
/// connection (and so a noconnection), never a silent hole in the stream.
///
/// Single-threaded: the simulation calls everything from its one thread.

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "troupe/node/actor_system.hpp"
#include "troupe/transport/codec.hpp"
#include "troupe/transport/network.hpp"
#include "troupe/transport/phi_detector.hpp"
#include "troupe/transport/remote_watches.hpp"
#include "troupe/transport/sim_wire.hpp"

namespace troupe::transport {

class simulated_network final : public network, public sim_endpoint {
 public:
  /// What the simulated transport counted.
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
  [[nodiscard]] const counters& stats() const noexcept { return stats_; }
  [[nodiscard]] std::size_t slot() const noexcept { return slot_; }

 private:
  struct out_session;
  struct in_session;
  struct peer_state;
  using in_key = std::pair<std::size_t, std::uint64_t>;  // (client slot, session)

  // Sessions and peers.
  out_session* open_session(const std::string& address, peer_state* known);
  void close_session(std::uint64_t id);
  void redial(std::uint64_t id);
  void session_failed(std::uint64_t id, const std::string& reason);
  void lose(peer_state& p, const std::string& reason);
  void restarted(peer_state& p);
  peer_state& peer_named(const std::string& name);
  peer_state* find_peer(std::string_view name);
  void heard(peer_state& p);
  void publish(const peer_event& ev);

  // Sending.
  void send_client(out_session& s, const msgpack::sbuffer& frames);
  void send_client(out_session& s, std::string bytes);
  void send_server(const in_key& key, const msgpack::sbuffer& frames);
  void reject(std::size_t slot, std::uint64_t session, const std::string& reason);
  envelope_ptr unreachable(const pid& to, envelope_ptr e);
  void enqueue(peer_state& p, msgpack::sbuffer frame);
  void flush(peer_state& p);

  // Receiving.
  void on_router(const sim_packet& p);
  void on_dealer(const sim_packet& p);
  void on_hello(const in_key& key, const msgpack::object& f);
  void on_challenge(out_session& s, const msgpack::object& f);
  void on_welcome(out_session& s);
  void on_message(in_session& in, const msgpack::object& f);
  void broken(const in_key& key, const std::string& why);

  actor_system& system_;
  sim_wire& wire_;
  std::string address_;
  transport_config config_;
  std::size_t slot_;
  bool started_ = false;
  bool stopped_ = false;
  counters stats_;
  time_point next_housekeeping_{};
  std::map<std::uint64_t, std::unique_ptr<out_session>> sessions_;
  std::map<in_key, std::unique_ptr<in_session>> inbound_;
  std::map<std::string, std::unique_ptr<peer_state>, std::less<>> peers_;
  std::vector<std::function<void(const peer_event&)>> handlers_;
  std::vector<pid> node_monitors_;
  type_table types_;  // stays empty: type names travel in full
};

}  // namespace troupe::transport
