#pragma once
/// @file
/// `session_engine`: the protocol a node speaks with its peers (docs/PROTOCOL.md), as a pure
/// state machine in the manner of quinn-proto or h11. It owns no socket, no thread and no clock:
/// bytes that arrived and the time go in; what to send, which connection to open or close, and
/// what happened to a peer come out as `session_action`s, which the caller (a *pump*) carries
/// out in order.
///
/// Two pumps drive the very same engine: the ZeroMQ I/O thread (io_thread.cpp: a DEALER per
/// `conn_id`, the ROUTER's routing ids as `accepted` ids) and the simulated network
/// (simulated_network.cpp: the same over the simulation's wire and virtual clock). So every
/// simulation seed runs the shipped protocol: the cookie proof, version check, type interning
/// (receiving side; the sending side is the outbound buffer's), heartbeats and the phi detector,
/// loss, restarts (creation), `dropped_session`, the one-name-one-node rule (§4.1).
///
/// The data plane stays with the pump: it queues outgoing messages (outbound_buffer) and sends
/// them on the connection `action::up` names, delivers `action::deliver`'s envelopes, keeps the
/// remote link/monitor table (remote_watches) and fires it on `action::dropped`, and tells the
/// engine when it sent something (`sent`), so that heartbeats go out only on an idle channel.
///
/// Terms: a *client connection* (`conn_id`) is one this node opened to a peer's address; an
/// *accepted connection* (a string the pump chooses, unique while it lives) is one a peer opened
/// to this node. Single-threaded: one pump calls everything.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "troupe/node/clock.hpp"
#include "troupe/node/log_limiter.hpp"
#include "troupe/transport/codec.hpp"
#include "troupe/transport/phi_detector.hpp"
#include "troupe/transport/transport_config.hpp"
#include "troupe/transport/transport_stats.hpp"

namespace troupe::transport {

/// A client connection of this node, numbered by the engine from 1.
using conn_id = std::uint64_t;

namespace action {
/// Open a connection to `address` and send `hello` on it first.
struct dial {
  conn_id conn;
  std::string address;
  std::string hello;
};
/// Send `bytes` (one or more frames) on client connection `conn`.
struct send {
  conn_id conn;
  std::string bytes;
};
/// Close client connection `conn` (nothing more is sent or read on it).
struct close {
  conn_id conn;
};
/// Send `bytes` back on accepted connection `to`. `last`: the engine forgot the connection
/// (a REJECT); the peer must start again.
struct reply {
  std::string to;
  std::string bytes;
  bool last = false;
};
/// What senders may do with `peer` changed: `reachable` (queue sends), `up` (a welcomed channel
/// of ours), `suspect` (the detector doubts it), `creation` (pids of another one are dead).
struct status {
  std::string peer;
  std::uint32_t creation = 0;
  bool reachable = false, up = false, suspect = false;
};
/// The peer's channel of ours is up on `conn`: send its queued messages there from now on.
struct up {
  std::string peer;
  std::uint32_t creation = 0;
  conn_id conn = 0;
  std::string address;
};
/// What was queued for `peer` is gone (counted as dropped on loss). `was_up`: it was up, so
/// this is a loss to report (peer_event, node_down, `reason`). `end_watches`: its links and
/// monitors across the connection fire noconnection.
struct dropped {
  std::string peer;
  std::uint32_t creation = 0;
  std::string reason;
  std::string address;
  bool was_up = false;
  bool end_watches = false;
  /// How many of our messages in the session the peer confirmed it received (its last receipt);
  /// none if it sent no receipt. The pump counts the rest of what it handed over as unconfirmed.
  std::optional<std::uint64_t> confirmed;
};
/// A message from `peer` to deliver locally (its sender checked against the peer's identity).
struct deliver {
  std::string peer;
  node_index node = 0;  ///< the peer's, so a pump finds it without a lookup by name
  inbound_message message;
};
/// A peer said this node's name belongs to a live member, and this node is no member yet: it
/// should stop (transport_config::on_name_in_use). Emitted once.
struct name_in_use {
  std::string reason;
};
}  // namespace action

using session_action = std::variant<action::dial, action::send, action::close, action::reply, action::status, action::up,
                                    action::dropped, action::deliver, action::name_in_use>;

/// Who this node is, and what the engine needs from outside.
struct session_options {
  std::string name;
  std::uint32_t creation = 0;
  /// The address announced in HELLO (where peers reach our ROUTER); may change until `start`.
  std::string address;
  /// Fresh random nonces (libsodium by default; the simulation's seeded stream, for replay).
  std::function<nonce()> make_nonce;
  /// Fault injection (transport::set_blocked): a handshake with a blocked peer is left to time out.
  std::function<bool(std::string_view)> blocked;
  /// Restart a handshake of ours stuck unanswered when the peer reaches us. Right over TCP (the
  /// peer's connection proves the way back works); off in the simulation, where one packet can
  /// cross a one-way cut and the pump re-sends an unanswered HELLO itself (simulated_network.hpp).
  bool restart_stuck_handshakes = true;
};

class session_engine {
 public:
  session_engine(session_options options, const transport_config& config, transport_stats& stats);
  ~session_engine();
  session_engine(const session_engine&) = delete;
  session_engine& operator=(const session_engine&) = delete;

  /// The address announced in HELLO (the pump knows it once bound).
  void set_address(std::string address) { options_.address = std::move(address); }

  /// Dials `address` unless a connection there exists already.
  void connect(const std::string& address, time_point now);
  /// Bytes arrived on client connection `conn`.
  void on_client_bytes(conn_id conn, std::string_view bytes, time_point now);
  /// Bytes arrived on accepted connection `from`.
  void on_accepted_bytes(const std::string& from, std::string_view bytes, time_point now);
  /// The pump lost a client connection (a gap in its stream, a failed connect).
  void client_broken(conn_id conn, const std::string& reason, time_point now);
  /// The pump lost an accepted connection (a gap in its stream): REJECT, and the peer is lost.
  void accepted_broken(const std::string& from, const std::string& reason, time_point now);
  /// The pump sent data on `conn` at `now` (a heartbeat is due only after an idle interval).
  void sent(conn_id conn, time_point now);
  /// Liveness, heartbeats, handshake timeouts, contested names, redials. Call every ~10 ms.
  void housekeeping(time_point now);
  /// Leaving: BYE on every channel that is up, and every peer that was up is dropped ("stopped").
  void shutdown();

  /// The actions produced since the last call, in order.
  [[nodiscard]] std::vector<session_action> take_actions();
  /// Same, into `out` (cleared first), keeping both vectors' capacity: for a pump's hot loop.
  /// False when there were none.
  bool take_actions(std::vector<session_action>& out);

  /// For a pump that re-sends an unanswered HELLO on a fresh connection (the simulation's
  /// model of ZeroMQ retrying a TCP connect): whether `conn` got its CHALLENGE, and its HELLO.
  [[nodiscard]] bool answered(conn_id conn) const;
  [[nodiscard]] std::optional<std::string> hello_of(conn_id conn) const;
  /// The address the engine reaches `peer` at ("" if none yet).
  [[nodiscard]] std::string address_of(std::string_view peer) const;

 private:
  struct client;
  struct accepted;
  struct peer_state;

  // Client side (our connections).
  client* open(const std::string& address, peer_state* known, time_point now);
  void close_client(conn_id id);
  bool client_frame(client& c, const msgpack::object& f, time_point now);
  bool on_challenge(client& c, const msgpack::object& f, time_point now);
  bool on_welcome(client& c, time_point now);
  bool violation(client& c, const std::string& what, time_point now);
  void client_failed(client& c, const std::string& reason, time_point now);

  // Server side (accepted connections).
  void accepted_frames(const std::string& from, std::string_view bytes, time_point now);
  void on_hello(const std::string& from, const msgpack::object& f, time_point now);
  bool on_auth(accepted& a, const msgpack::object& f, time_point now);
  bool welcome(accepted& a, peer_state& p, time_point now);
  void on_message(accepted& a, const msgpack::object& f, time_point now);
  void dropped_frame(const accepted& a, const decode_error& e, time_point now);
  void reject(const std::string& to, const std::string& reason);
  void not_authenticated(const std::string& from, time_point now);
  void malformed(const std::string& from, const std::string& what, time_point now);
  void refuse_duplicate(accepted& a, const std::string& member_address);
  [[nodiscard]] bool claims_live_member(const peer_state& p, std::uint32_t creation) const;
  void decide_contests(time_point now);
  [[nodiscard]] duration contest_window() const;
  void name_in_use(const std::string& address, const std::string& reason);

  // Peers.
  peer_state& peer_named(const std::string& name);
  void heard(peer_state& p, time_point now);
  void restarted(peer_state& p, time_point now);
  void lose(peer_state& p, const std::string& reason, time_point now);
  void record_detection(std::uint64_t silent_ms);
  std::optional<std::uint64_t> end_receipts(peer_state& p);
  std::optional<std::uint64_t> receipt_due(peer_state& p, bool heartbeat_due, time_point now);
  [[nodiscard]] std::uint64_t received_from(const peer_state& p) const;
  void publish_status(peer_state& p);

  // Watching (docs/membership.md, "Failure detection at scale").
  [[nodiscard]] bool ring_mode() const;
  [[nodiscard]] duration probe_window() const;
  void update_watches(time_point now);
  void refresh_watch(peer_state& p, time_point now);
  void probe(peer_state& p, time_point now);
  void send_watch(peer_state& p, bool on, time_point now);
  void send_heartbeat_now(peer_state& p, time_point now);
  void report_loss(const peer_state& p, std::uint32_t creation, std::uint64_t silent_ms, time_point now);
  void on_lost_report(const peer_state& reporter, const lost_report& r, time_point now);
  [[nodiscard]] bool blocked(std::string_view name) const { return options_.blocked && options_.blocked(name); }

  template <class Emit>
  void limited(std::string_view kind, std::uint32_t node, time_point now, Emit&& emit) {
    log_limited(lines_, kind, node, now, std::forward<Emit>(emit));
  }

  session_options options_;
  const transport_config& config_;
  transport_stats& stats_;
  conn_id next_conn_ = 0;
  std::map<conn_id, std::unique_ptr<client>> clients_;
  std::map<std::string, std::unique_ptr<accepted>> accepted_;
  std::map<std::string, std::unique_ptr<peer_state>, std::less<>> peers_;
  std::vector<session_action> actions_;
  bool told_name_in_use_ = false;
  /// The members up changed: who this node watches is computed again (update_watches).
  bool ring_dirty_ = false;
  /// Members on this node's ring (itself included) when it was last computed.
  std::size_t ring_size_ = 1;
  /// A check round (every member probed after this node's detector lost one) runs until then.
  time_point check_round_until_{};
  /// When this node's detector last lost a member it watched (two close together start a check round).
  time_point last_own_loss_{};
  log_limiter lines_;
};

}  // namespace troupe::transport
