// The session engine: handshakes, liveness and loss of every peer, with no I/O (session.hpp).
// docs/PROTOCOL.md is the normative description; section numbers below refer to it.

#include "troupe/transport/session.hpp"

#include <algorithm>

#include "troupe/node/log.hpp"
#include "troupe/transport/handshake.hpp"
#include "troupe/transport/monitor_ring.hpp"
#include "troupe/transport/peer.hpp"

namespace troupe::transport {

/// How long a hidden node (a client, see peer.hpp) may be silent before it is taken for dead.
constexpr auto hidden_peer_timeout = std::chrono::seconds(10);

namespace {
std::string bytes_of(const msgpack::sbuffer& b) { return std::string(b.data(), b.size()); }
}  // namespace

enum class client_state { hello_sent, auth_sent, up };

/// A connection this node opened to a peer's ROUTER.
struct session_engine::client {
  conn_id id = 0;
  std::string address;
  client_state state = client_state::hello_sent;
  nonce client_nonce{};
  peer_state* peer = nullptr;  // known once the CHALLENGE names the peer (or when redialling it)
  time_point started{}, last_sent{};
  std::string hello;
};

/// A connection a peer opened to this node.
struct session_engine::accepted {
  std::string id;
  bool authenticated = false;
  hello_frame hello;
  nonce server_nonce{};
  peer_state* peer = nullptr;
  type_table types;  // the ids the peer interned on this connection (§6)
  /// MESSAGE frames that arrived on this connection: what our receipts confirm (§11).
  std::uint64_t received = 0;
  time_point started{};
  /// Set while the connection claims the name of a member that is up with another creation
  /// (§4.1): its WELCOME waits until `decide_contests` knows whether that member still lives.
  peer_state* contested = nullptr;
  time_point contested_since{};
};

struct session_engine::peer_state {
  explicit peer_state(std::string n) : name(std::move(n)), node(intern_node(name)) {}
  const std::string name;
  const node_index node;  // for the log limiter's keys
  std::uint32_t creation = 0;
  bool up = false, reachable = false, suspect = false;
  std::optional<conn_id> client;  // our channel to it
  std::string accepted_id;       // its channel to us, once authenticated
  std::string address;
  time_point last_heard{};
  std::unique_ptr<phi_detector> detector;  // fresh for each session
  time_point reconnect_at{};
  bool reconnect = false;
  // Watching (docs/membership.md). `ring`: among the members this node's ring says it watches.
  // `probe_until`: watched until then whatever the ring (a report of its loss, a check round, a
  // contest for its name). `watching`: the detector judges it and it was asked for heartbeats
  // ([6, true]), since `watch_since`; `watch_asked`: when that was last asked. `watches_me`: it
  // asked this node for heartbeats. `speaks_watch`: it sent a HEARTBEAT with the watch flag, so
  // it knows the ring and LOST; until then it is taken for a peer that heartbeats every member
  // and expects heartbeats from every member (an older release, a client under a member name). `reports`: members that reported this session lost, and
  // when (only reports within a probation window of each other count together).
  bool ring = false, watching = false, watches_me = false, speaks_watch = false;
  time_point probe_until{}, watch_since{}, watch_asked{};
  std::vector<std::pair<std::string, time_point>> reports;
  /// The nonce of the peer's session we dropped on losing it: the peer may not have noticed
  /// (a cut one way stalls its TCP connection in backoff), so our next HELLO names it.
  std::optional<nonce> dropped_inbound;
  action::status published{};  // what the pump was last told
  // Receipts (§11): what we last told it we received on its channel, and when; what it last told
  // us it received on ours (none: it sent no receipt this session).
  std::uint64_t receipt_sent = 0;
  time_point receipt_at{};
  std::optional<std::uint64_t> confirmed;
};

session_engine::session_engine(session_options options, const transport_config& config, transport_stats& stats)
    : options_(std::move(options)), config_(config), stats_(stats) {
  if (!options_.make_nonce) options_.make_nonce = [] { return make_nonce(); };
}

session_engine::~session_engine() = default;

std::vector<session_action> session_engine::take_actions() {
  std::vector<session_action> out;
  out.swap(actions_);
  return out;
}

bool session_engine::take_actions(std::vector<session_action>& out) {
  out.clear();
  out.swap(actions_);
  return !out.empty();
}

bool session_engine::answered(conn_id conn) const {
  auto it = clients_.find(conn);
  return it != clients_.end() && it->second->state != client_state::hello_sent;
}

std::optional<std::string> session_engine::hello_of(conn_id conn) const {
  auto it = clients_.find(conn);
  if (it == clients_.end()) return std::nullopt;
  return it->second->hello;
}

std::string session_engine::address_of(std::string_view peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? std::string() : it->second->address;
}

// --- peers ----------------------------------------------------------------------------------------------

session_engine::peer_state& session_engine::peer_named(const std::string& name) {
  auto& p = peers_[name];
  if (!p) p = std::make_unique<peer_state>(name);
  return *p;
}

void session_engine::publish_status(peer_state& p) {
  action::status now{p.name, p.creation, p.reachable, p.up, p.suspect};
  auto& was = p.published;
  if (was.creation == now.creation && was.reachable == now.reachable && was.up == now.up && was.suspect == now.suspect &&
      !was.peer.empty())
    return;
  was = now;
  actions_.emplace_back(std::move(now));
}

void session_engine::heard(peer_state& p, time_point now) {
  p.last_heard = now;
  if (p.detector) p.detector->heartbeat(now);
}

/// The peer has a new incarnation. Up: it is lost ("restarted"). Not up (a handshake was
/// pending, so no `down` came in between): what was queued for the old incarnation, and the
/// links and monitors on it, end all the same — sent on, they would reach the new incarnation,
/// whose DOWN noproc from the old pid on_message drops, and never fire (found by the
/// simulation, seed 191).
void session_engine::restarted(peer_state& p, time_point now) {
  if (p.up) return lose(p, "restarted", now);
  if (p.creation == 0) return;  // never heard of before
  // What the old incarnation said of the watch flag (on its channel to this node, which can be
  // up while ours is not) is not what the new one speaks: an older release would otherwise get
  // no heartbeats from here and could be reported LOST. It declares itself again.
  if (p.speaks_watch) ring_dirty_ = true;
  p.watches_me = p.speaks_watch = false;
  actions_.emplace_back(action::dropped{p.name, p.creation, "restarted", p.address, false, true, end_receipts(p)});
}

void session_engine::lose(peer_state& p, const std::string& reason, time_point now) {
  const bool was_up = p.up;
  const bool was_reachable = p.reachable;
  p.reachable = false;
  p.up = false;
  if (p.client) close_client(*p.client);
  if (auto it = accepted_.find(p.accepted_id); !p.accepted_id.empty() && it != accepted_.end()) {
    p.dropped_inbound = it->second->hello.client_nonce;
    accepted_.erase(it);
  }
  p.accepted_id.clear();
  p.detector.reset();
  p.suspect = false;
  p.ring = p.watching = p.watches_me = p.speaks_watch = false;
  p.probe_until = {};
  p.reports.clear();
  if (was_up) ring_dirty_ = true;
  p.reconnect_at = now + config_.reconnect_interval;
  if (reason == "left") p.reconnect = false;
  publish_status(p);
  if (was_up) {
    if (is_hidden_node(p.name)) {
      stats_.hidden_peers_gone.fetch_add(1);
      log()->debug("hidden node '{}' (creation {}) is gone: {}", p.name, p.creation, reason);
    } else {
      stats_.peers_lost.fetch_add(1);
      log()->warn("lost node '{}' (creation {}): {}", p.name, p.creation, reason);
    }
  }
  // Reachable but not up (our channel was being set up): what was queued for it is dropped, so
  // the links and monitors queued with it end too, or a sender would miss a message with no
  // noconnection in between (found by the simulation running this engine, seed 2: the peer's
  // HELLO named our channel as dropped while it was still in its handshake).
  actions_.emplace_back(action::dropped{p.name, p.creation, reason, p.address, was_up, was_up || was_reachable, end_receipts(p)});
}

/// The session's receipts end with it: returns what the peer confirmed, for the pump's count.
std::optional<std::uint64_t> session_engine::end_receipts(peer_state& p) {
  p.receipt_sent = 0;
  p.receipt_at = {};
  return std::exchange(p.confirmed, std::nullopt);
}

/// Counts a loss decided by the failure detector, and how long the peer had been silent.
void session_engine::record_detection(std::uint64_t silent_ms) {
  stats_.detections.fetch_add(1, std::memory_order_relaxed);
  stats_.detection_ms_sum.fetch_add(silent_ms, std::memory_order_relaxed);
  stats_.detection_ms_last.store(silent_ms, std::memory_order_relaxed);
  if (silent_ms > stats_.detection_ms_max.load(std::memory_order_relaxed))
    stats_.detection_ms_max.store(silent_ms, std::memory_order_relaxed);  // one pump writes it
}

// --- client side: our connections ------------------------------------------------------------------

void session_engine::connect(const std::string& address, time_point now) { open(address, nullptr, now); }

session_engine::client* session_engine::open(const std::string& address, peer_state* known, time_point now) {
  for (auto& [id, c] : clients_)
    if (c->address == address) return c.get();  // already connecting or connected there
  auto c = std::make_unique<client>();
  c->id = ++next_conn_;
  c->address = address;
  c->client_nonce = options_.make_nonce();
  c->peer = known;
  c->started = c->last_sent = now;
  msgpack::sbuffer buf;
  encode_hello(buf, hello_frame{protocol_version, options_.name, options_.creation, options_.address, c->client_nonce,
                                known ? known->dropped_inbound : std::nullopt});
  c->hello = bytes_of(buf);
  if (known) known->client = c->id;
  actions_.emplace_back(action::dial{c->id, address, c->hello});
  auto* raw = c.get();
  clients_[c->id] = std::move(c);
  return raw;
}

void session_engine::close_client(conn_id id) {
  for (auto& [name, p] : peers_)
    if (p->client == id) p->client.reset();
  if (clients_.erase(id)) actions_.emplace_back(action::close{id});
}

void session_engine::sent(conn_id conn, time_point now) {
  if (auto it = clients_.find(conn); it != clients_.end()) it->second->last_sent = now;
}

void session_engine::client_broken(conn_id conn, const std::string& reason, time_point now) {
  if (auto it = clients_.find(conn); it != clients_.end()) client_failed(*it->second, reason, now);
}

void session_engine::on_client_bytes(conn_id conn, std::string_view bytes, time_point now) {
  auto it = clients_.find(conn);
  if (it == clients_.end()) return;  // closed here: its late bytes go nowhere
  client& c = *it->second;
  if (c.peer && blocked(c.peer->name)) return;  // fault injection: dropped
  frame_reader reader(bytes.data(), bytes.size(), config_.limits);
  while (auto f = reader.next())
    if (!client_frame(c, *f, now)) return;  // the connection was closed
  if (!reader.error().empty()) violation(c, reader.error(), now);
}

// Returns false when `c` was closed (and must not be touched again).
bool session_engine::client_frame(client& c, const msgpack::object& f, time_point now) {
  auto k = kind_of(f);
  if (auto* e = std::get_if<decode_error>(&k)) return violation(c, e->what, now);
  switch (std::get<frame_kind>(k)) {
    case frame_kind::challenge: return on_challenge(c, f, now);
    case frame_kind::welcome: return on_welcome(c, now);
    case frame_kind::reject: {
      auto reason = decode_reject_reason(f);
      log()->warn("{} refused our connection: {}", c.address, reason);
      if (reason == "wrong cookie" || reason.starts_with("version")) stats_.auth_failures.fetch_add(1);
      if (is_name_in_use(reason)) name_in_use(c.address, reason);
      client_failed(c, "rejected: " + reason, now);
      return false;
    }
    default: return violation(c, "unexpected frame on a client connection", now);
  }
}

bool session_engine::violation(client& c, const std::string& what, time_point now) {
  stats_.protocol_violations.fetch_add(1);
  limited("protocol violation", c.peer ? c.peer->node : 0, now,
          [&] { log()->warn("protocol violation from {}: {}", c.address, what); });
  client_failed(c, "protocol violation", now);
  return false;
}

bool session_engine::on_challenge(client& c, const msgpack::object& f, time_point now) {
  auto decoded = decode_challenge(f);
  if (auto* e = std::get_if<decode_error>(&decoded)) return violation(c, e->what, now);
  auto& ch = std::get<challenge_frame>(decoded);
  if (c.state != client_state::hello_sent) return violation(c, "CHALLENGE out of order", now);
  if (ch.version != protocol_version) {
    stats_.auth_failures.fetch_add(1);
    log()->warn("{} speaks protocol {}; we speak {}", c.address, ch.version, protocol_version);
    client_failed(c, "version mismatch", now);
    return false;
  }
  if (!proofs_equal(ch.server_proof, server_proof(config_.cookie, c.client_nonce, ch.server_nonce))) {
    stats_.auth_failures.fetch_add(1);
    log()->warn("{} (claiming to be '{}') does not know the cookie; not connecting", c.address, ch.name);
    client_failed(c, "peer failed authentication", now);
    return false;
  }
  if (ch.name == options_.name) {
    if (ch.creation != options_.creation) {
      // Another process, knowing the cookie, holds our name at that address.
      name_in_use(c.address, name_in_use_reason(ch.name, c.address));
      client_failed(c, "name in use", now);
      return false;
    }
    log()->warn("{} is this node itself; not connecting", c.address);
    client_failed(c, "self", now);
    return false;
  }
  peer_state& p = peer_named(ch.name);
  if (blocked(p.name)) return true;  // fault injection: the handshake times out
  if (p.client && *p.client != c.id) {
    // Another connection to this peer exists (it was reached under two addresses): keep one.
    client_failed(c, "duplicate", now);
    return false;
  }
  if (p.creation != ch.creation) restarted(p, now);
  c.peer = &p;
  p.client = c.id;
  p.address = c.address;
  p.creation = ch.creation;
  p.reachable = true;
  publish_status(p);
  msgpack::sbuffer buf;
  encode_auth(buf, client_proof(config_.cookie, c.client_nonce, ch.server_nonce));
  actions_.emplace_back(action::send{c.id, bytes_of(buf)});
  c.last_sent = now;
  c.state = client_state::auth_sent;
  return true;
}

bool session_engine::on_welcome(client& c, time_point now) {
  if (c.state != client_state::auth_sent || !c.peer) return violation(c, "WELCOME out of order", now);
  c.state = client_state::up;
  peer_state& p = *c.peer;
  p.detector = std::make_unique<phi_detector>(config_.detector, config_.heartbeat_interval);
  heard(p, now);
  p.reconnect = true;
  // Nothing stale is queued: a loss emptied the pump's buffer and its type ids when the last
  // session ended; what is queued now was sent while this session was being set up.
  p.reachable = true;
  p.up = true;
  publish_status(p);
  stats_.handshakes.fetch_add(1);
  log()->log(is_hidden_node(p.name) ? spdlog::level::debug : spdlog::level::info, "connected to node '{}' (creation {}) at {}", p.name, p.creation, c.address);
  actions_.emplace_back(action::up{p.name, p.creation, c.id, c.address});
  // A first receipt at once, so that the peer knows from the start that this node confirms what
  // it receives (§11): if this node dies before its next one, all the peer handed over counts.
  msgpack::sbuffer receipt;
  p.receipt_sent = received_from(p);
  p.receipt_at = now;
  encode_receipt(receipt, p.receipt_sent);
  actions_.emplace_back(action::send{c.id, bytes_of(receipt)});
  if (!is_hidden_node(p.name)) {
    ring_dirty_ = true;
    update_watches(now);  // ask for heartbeats at once: the detector starts now
    // Not watched: say so all the same, so that it knows this node speaks the flag (and LOST).
    if (ring_mode() && !p.watching) send_watch(p, false, now);
  }
  return true;
}

void session_engine::client_failed(client& c, const std::string& reason, time_point now) {
  peer_state* p = c.peer;
  if (p && p->up) return lose(*p, reason, now);
  // Our channel failed before it came up, but the peer's channel to us is up: what we queued
  // for it is dropped below — DOWNs and exits answering its monitors and links among them — and
  // the peer, which sees nothing wrong, would wait for them forever (found by the simulation,
  // seed 1437: a monitor never fired though its target died). So it is a loss of both channels,
  // as when ours was up: `lose` forgets the peer's channel, whose next frame is refused, and the
  // peer loses this node and fires its own links and monitors.
  if (p && !p->accepted_id.empty()) {
    const conn_id id = c.id;
    lose(*p, reason, now);
    return close_client(id);
  }
  if (p) {
    p->reconnect_at = now + config_.reconnect_interval;
    p->reachable = false;
    publish_status(*p);
    // Links and monitors queued while the session was being set up are lost with it: they
    // fire noconnection now (found by the simulation; they used to wait for the next loss).
    actions_.emplace_back(action::dropped{p->name, p->creation, reason, p->address, false, true, end_receipts(*p)});
  }
  close_client(c.id);
}

/// A peer says our name is taken by a live member. A node that is already a member (it has
/// members up) is the live one and keeps running; a newcomer stops (action::name_in_use).
void session_engine::name_in_use(const std::string& address, const std::string& reason) {
  bool member = std::ranges::any_of(peers_, [](auto& kv) { return kv.second->up && !is_hidden_node(kv.second->name); });
  if (member) {
    log()->error("a node at {} claims this node's name '{}'; it should be stopped", address, options_.name);
    return;
  }
  log()->error("{}: this node cannot join ({} says so)", reason, address);
  if (told_name_in_use_) return;
  told_name_in_use_ = true;
  actions_.emplace_back(action::name_in_use{reason});
}

// --- server side: accepted connections ----------------------------------------------------------------

void session_engine::reject(const std::string& to, const std::string& reason) {
  msgpack::sbuffer buf;
  encode_reject(buf, reason);
  actions_.emplace_back(action::reply{to, bytes_of(buf), true});
  accepted_.erase(to);
}

void session_engine::accepted_broken(const std::string& from, const std::string& reason, time_point now) {
  malformed(from, reason, now);
}

void session_engine::on_accepted_bytes(const std::string& from, std::string_view bytes, time_point now) {
  if (auto it = accepted_.find(from); it != accepted_.end() && it->second->peer && blocked(it->second->peer->name)) return;
  frame_reader reader(bytes.data(), bytes.size(), config_.limits);
  while (auto f = reader.next()) {
    auto k = kind_of(*f);
    if (auto* e = std::get_if<decode_error>(&k)) return malformed(from, e->what, now);
    auto kind = std::get<frame_kind>(k);
    auto it = accepted_.find(from);
    if (it == accepted_.end()) {
      if (kind != frame_kind::hello) return not_authenticated(from, now);
      on_hello(from, *f, now);
      continue;
    }
    auto& a = *it->second;
    if (!a.authenticated) {
      if (kind != frame_kind::auth || a.contested) return not_authenticated(from, now);
      if (!on_auth(a, *f, now)) return;
      continue;
    }
    heard(*a.peer, now);
    switch (kind) {
      case frame_kind::heartbeat: {
        if (auto receipt = decode_heartbeat_receipt(*f)) a.peer->confirmed = *receipt;
        auto flag = decode_heartbeat_watch(*f);  // a flag that is not a bool: a plain HEARTBEAT
        if (auto* watch = std::get_if<std::optional<bool>>(&flag); watch && *watch && !is_hidden_node(a.peer->name)) {
          if (!a.peer->speaks_watch) ring_dirty_ = true;  // it knows the ring: watched by it alone now
          a.peer->speaks_watch = true;
          a.peer->watches_me = **watch;
          if (a.peer->watches_me) send_heartbeat_now(*a.peer, now);  // proof of life at once
        }
        break;
      }
      case frame_kind::type_def: {
        auto t = a.types.define(*f);
        if (auto* e = std::get_if<decode_error>(&t)) dropped_frame(a, *e, now);
        break;
      }
      case frame_kind::message: on_message(a, *f, now); break;
      case frame_kind::lost: {
        auto r = decode_lost(*f);
        if (auto* e = std::get_if<decode_error>(&r)) return malformed(from, e->what, now);
        on_lost_report(*a.peer, std::get<lost_report>(r), now);
        if (accepted_.find(from) == accepted_.end()) return;  // reporting us lost ends nothing, but be safe
        break;
      }
      case frame_kind::bye:
        log()->log(is_hidden_node(a.peer->name) ? spdlog::level::debug : spdlog::level::info, "node '{}' is leaving",
                   a.peer->name);
        return lose(*a.peer, "left", now);
      default: return malformed(from, "unexpected frame on a server connection", now);
    }
  }
  if (!reader.error().empty()) malformed(from, reader.error(), now);
}

void session_engine::not_authenticated(const std::string& from, time_point now) {
  stats_.protocol_violations.fetch_add(1);
  limited("unauthenticated frame", 0, now, [] { log()->debug("frame from an unauthenticated connection; rejected"); });
  reject(from, "not authenticated");
}

void session_engine::malformed(const std::string& from, const std::string& what, time_point now) {
  stats_.malformed_frames.fetch_add(1);
  auto it = accepted_.find(from);
  peer_state* p = it != accepted_.end() ? it->second->peer : nullptr;
  std::string who = p ? "'" + p->name + "'" : "an unauthenticated peer";
  limited("malformed frame", p ? p->node : 0, now,
          [&] { log()->warn("malformed frame from {}: {}; dropping the connection", who, what); });
  reject(from, "malformed frame");
  if (p && p->up) lose(*p, "malformed frame", now);
}

void session_engine::on_hello(const std::string& from, const msgpack::object& f, time_point now) {
  auto h = decode_hello(f);
  if (auto* e = std::get_if<decode_error>(&h)) return malformed(from, e->what, now);
  auto& hello = std::get<hello_frame>(h);
  if (hello.version != protocol_version) {
    stats_.auth_failures.fetch_add(1);
    limited("protocol version", 0, now, [&] { log()->warn("node '{}' speaks protocol {}; refused", hello.name, hello.version); });
    return reject(from, "version " + std::to_string(protocol_version) + " required");
  }
  bool claims_my_name = hello.name == options_.name;
  if (claims_my_name && hello.creation == options_.creation) {
    stats_.auth_failures.fetch_add(1);
    return reject(from, "that is my name");  // we dialled ourselves (our address among the seeds)
  }
  // Another process claiming our name goes on to AUTH: refused there once it proved the cookie.
  if (!claims_my_name && blocked(hello.name)) return;  // fault injection: as if lost
  auto a = std::make_unique<accepted>();
  a->id = from;
  a->hello = hello;
  a->server_nonce = options_.make_nonce();
  a->started = now;
  challenge_frame c{protocol_version, options_.name, options_.creation, a->server_nonce,
                    server_proof(config_.cookie, hello.client_nonce, a->server_nonce)};
  msgpack::sbuffer buf;
  encode_challenge(buf, c);
  accepted_[from] = std::move(a);
  actions_.emplace_back(action::reply{from, bytes_of(buf), false});
}

bool session_engine::on_auth(accepted& a, const msgpack::object& f, time_point now) {
  auto decoded = decode_auth(f);
  std::string id = a.id;
  if (auto* e = std::get_if<decode_error>(&decoded)) {
    malformed(id, e->what, now);
    return false;
  }
  if (!proofs_equal(std::get<proof>(decoded), client_proof(config_.cookie, a.hello.client_nonce, a.server_nonce))) {
    stats_.auth_failures.fetch_add(1);
    limited("wrong cookie", 0, now, [&] {
      log()->warn("node '{}' (listening at {}) sent a wrong cookie proof; refused", a.hello.name, a.hello.listen);
    });
    reject(id, "wrong cookie");
    return false;
  }
  if (a.hello.name == options_.name) {
    refuse_duplicate(a, options_.address);
    return false;
  }
  peer_state& p = peer_named(a.hello.name);
  if (claims_live_member(p, a.hello.creation)) {
    // Another creation of a member that is up: a restart, or a second process under its name.
    // Which one is decided by whether the member is still heard from (decide_contests).
    a.contested = &p;
    a.contested_since = now;
    probe(p, now);  // a member not watched here must prove it lives ([6, true] asks it to)
    return true;
  }
  return welcome(a, p, now);
}

/// Whether a newcomer of `creation` claims the name of a member that is up as another creation.
/// Hidden nodes are clients: a new one simply replaces the old (it is not timed out for 10 s).
bool session_engine::claims_live_member(const peer_state& p, std::uint32_t creation) const {
  return !is_hidden_node(p.name) && p.up && p.creation != creation;
}

/// Settles the connections that claim a live member's name. Heard from since the claim came:
/// the member lives, the newcomer is a duplicate and is refused — nothing about the member
/// changes. Lost meanwhile (the failure detector's verdict), or silent for `contest_window`: it
/// is gone, and the newcomer is its restart, welcomed as before.
void session_engine::decide_contests(time_point now) {
  std::vector<std::string> ids;
  for (auto& [id, a] : accepted_)
    if (a->contested) ids.push_back(id);
  for (auto& id : ids) {
    auto it = accepted_.find(id);
    if (it == accepted_.end() || !it->second->contested) continue;
    auto& a = *it->second;
    peer_state& p = *a.contested;
    if (p.up && p.last_heard > a.contested_since) {
      refuse_duplicate(a, p.address);
    } else if (!p.up || now - a.contested_since >= contest_window()) {
      a.contested = nullptr;
      welcome(a, p, now);
    }
  }
}

/// Long enough to hear a live member (it sends at least a heartbeat per heartbeat_interval),
/// short enough to answer before the newcomer's handshake_timeout.
duration session_engine::contest_window() const {
  return std::min<duration>(config_.peer_timeout, config_.handshake_timeout / 2);
}

void session_engine::refuse_duplicate(accepted& a, const std::string& member_address) {
  stats_.duplicate_names.fetch_add(1);
  auto reason = name_in_use_reason(a.hello.name, member_address);
  log()->warn("refused node '{}' (creation {}, listening at {}): {}", a.hello.name, a.hello.creation,
              a.hello.listen.empty() ? "nowhere" : a.hello.listen, reason);
  reject(a.id, reason);  // destroys `a`
}

/// Completes a handshake whose proof was good: the connection is authenticated as `p`.
bool session_engine::welcome(accepted& a, peer_state& p, time_point now) {
  std::string id = a.id;
  if (p.creation != a.hello.creation) restarted(p, now);
  // The peer lost us and dropped the session we still send on (stalled one way, so we never
  // noticed): everything on it is gone, and so are the peer's links and monitors of ours. End
  // it as a loss, like the peer did, and open a fresh one below — else we keep talking into the
  // stalled connection and the peer loses us again a detector timeout later.
  if (a.hello.dropped_session && p.client && clients_.at(*p.client)->client_nonce == *a.hello.dropped_session)
    lose(p, "the peer dropped our connection", now);
  p.dropped_inbound.reset();  // the peer has begun a session of its own: the hint is moot
  if (!p.accepted_id.empty() && p.accepted_id != id) accepted_.erase(p.accepted_id);  // its old connection
  if (p.accepted_id != id) p.watches_me = false;  // a new channel from it declares its watch again
  a.authenticated = true;
  a.peer = &p;
  p.creation = a.hello.creation;  // authenticated: its word on its incarnation is good
  p.reachable = true;
  p.accepted_id = id;
  if (!p.detector) p.detector = std::make_unique<phi_detector>(config_.detector, config_.heartbeat_interval);
  heard(p, now);
  if (p.address.empty()) p.address = a.hello.listen;
  publish_status(p);
  msgpack::sbuffer buf;
  encode_welcome(buf);
  actions_.emplace_back(action::reply{id, bytes_of(buf), false});
  // Talk back on a channel of our own, unless we already have one. A handshake of ours that the
  // peer never answered, begun well before this one, may be stuck in TCP's connect backoff (its
  // SYN lost in a partition that has healed since: the peer then hears nothing from us for
  // seconds and declares us lost again); the peer just proved it is reachable, so start ours
  // afresh. One it answered (CHALLENGE) is merely in progress: restarting it could ping-pong.
  if (options_.restart_stuck_handshakes && p.client) {
    auto& c = *clients_.at(*p.client);
    if (c.state == client_state::hello_sent && c.started + config_.reconnect_interval < a.started) close_client(c.id);
  }
  if (!p.client && !a.hello.listen.empty()) open(a.hello.listen, &p, now);
  return true;
}

/// A TYPE or MESSAGE frame this node cannot use is dropped and the connection kept (§12): an
/// unknown type, or a body that does not convert, is counted as an unknown type; a frame that is
/// ill-formed itself (wrong arity, a bad pid in `to` or `from`) as a malformed frame.
void session_engine::dropped_frame(const accepted& a, const decode_error& e, time_point now) {
  if (e.malformed) {
    stats_.malformed_frames.fetch_add(1);
    limited("malformed frame", a.peer->node, now, [&] { log()->warn("malformed frame from '{}': {}; dropped it, connection kept", a.peer->name, e.what); });
  } else {
    stats_.unknown_types.fetch_add(1);
    limited("unknown message type", a.peer->node, now, [&] { log()->warn("from '{}': {}; dropped", a.peer->name, e.what); });
  }
}

void session_engine::on_message(accepted& a, const msgpack::object& f, time_point now) {
  ++a.received;  // arrived, whatever becomes of it here (drops are counted below)
  auto decoded = decode_message(f, a.types);
  if (auto* e = std::get_if<decode_error>(&decoded)) return dropped_frame(a, *e, now);
  auto& m = std::get<inbound_message>(decoded);
  const pid& from = m.envelope->from;
  if (!from.is_null() && (from.node != a.peer->node || from.creation != a.hello.creation)) {
    stats_.protocol_violations.fetch_add(1);
    limited("spoofed sender", a.peer->node, now,
            [&] { log()->warn("'{}' sent a message claiming to come from {}; dropped", a.peer->name, from.to_string()); });
    return;
  }
  stats_.messages_in.fetch_add(1, std::memory_order_relaxed);
  actions_.emplace_back(action::deliver{a.peer->name, a.peer->node, std::move(m)});
}

// --- liveness -------------------------------------------------------------------------------------------

void session_engine::housekeeping(time_point now) {
  update_watches(now);
  struct verdict {
    peer_state* p;
    bool ring;  // watched as one of this node's ring successors: its loss is reported
  };
  std::vector<verdict> lost;
  const bool ring = ring_mode();
  for (auto& [name, pp] : peers_) {
    auto& p = *pp;
    if (p.up && is_hidden_node(p.name)) {
      // A client (troupectl, a script) is no member: losing it moves nothing, and it says BYE
      // when it ends. Only a long silence means it died; the phi detector's sub-second
      // verdict would cut off operators' commands on a loaded machine.
      if (now - p.last_heard > hidden_peer_timeout) lost.push_back({&p, false});
    } else if (p.up && p.watching && p.detector) {
      if (!p.ring && p.probe_until <= now) {
        refresh_watch(p, now);  // a probe that ended with the peer alive
      } else {
        double phi = p.detector->phi(now);
        p.suspect = phi >= config_.detector.suspect_phi;
        publish_status(p);
        if (phi >= config_.detector.threshold || now - std::max(p.last_heard, p.watch_since) > config_.peer_timeout)
          lost.push_back({&p, p.ring});
        else if (ring && now - p.last_heard >= 2 * config_.heartbeat_interval &&
                 now - p.watch_asked >= 2 * config_.heartbeat_interval)
          send_watch(p, true, now);  // silent: the request may have been lost on the way (or it died)
      }
    }
    // Heartbeats go to the members that watch this node, to clients (they time out on them), and
    // to peers that do not speak the watch flag (they expect them from every member).
    // A receipt rides on a heartbeat that is due, or goes alone every receipt_interval while
    // messages arrive; it is a heartbeat too.
    if (p.client && !blocked(p.name)) {
      auto& c = *clients_.at(*p.client);
      const bool heartbeat_due = c.state == client_state::up && now - c.last_sent >= config_.heartbeat_interval &&
                                 (!ring || p.watches_me || !p.speaks_watch || is_hidden_node(p.name));
      const std::optional<std::uint64_t> receipt = c.state == client_state::up ? receipt_due(p, heartbeat_due, now) : std::nullopt;
      if (heartbeat_due || receipt) {
        msgpack::sbuffer hb;
        if (receipt)
          encode_receipt(hb, *receipt);
        else
          encode_heartbeat(hb);
        actions_.emplace_back(action::send{c.id, bytes_of(hb)});
        c.last_sent = now;
      }
    }
  }
  for (auto [p, in_ring] : lost) {
    if (!p->up) continue;  // lost meanwhile (a report's loss ends nothing else, but be safe)
    auto silent_ms = static_cast<std::uint64_t>(
        std::max<std::int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now - p->last_heard).count(), 0));
    log()->warn("node '{}' has not been heard from for {} ms; considering it lost", p->name, silent_ms);
    record_detection(silent_ms);
    const std::uint32_t creation = p->creation;
    lose(*p, "timeout", now);
    // Only a ring member's loss is reported: a probe's verdict came from a report already.
    if (in_ring && ring) report_loss(*p, creation, silent_ms, now);
  }
  std::vector<conn_id> stale;
  for (auto& [id, c] : clients_)
    if (c->state != client_state::up && now - c->started > config_.handshake_timeout) stale.push_back(id);
  for (auto id : stale)
    if (auto it = clients_.find(id); it != clients_.end()) client_failed(*it->second, "handshake timeout", now);
  decide_contests(now);
  std::erase_if(accepted_, [&](auto& kv) { return !kv.second->authenticated && now - kv.second->started > config_.handshake_timeout; });
  for (auto& [name, p] : peers_)
    if (!p->up && !p->client && p->reconnect && !p->address.empty() && now >= p->reconnect_at) {
      p->reconnect_at = now + config_.reconnect_interval;
      open(p->address, p.get(), now);
    }
}

// --- watching (docs/membership.md, "Failure detection at scale") -----------------------------------------

/// Whether this node watches only its ring successors (rather than every member) and speaks
/// the watch flag and LOST. A hidden node (a client) watches the few nodes it talks to, as before.
bool session_engine::ring_mode() const { return config_.monitored_by > 0 && !is_hidden_node(options_.name); }

/// How long a member is watched on probation: long enough for the detector's hard cap.
/// MESSAGE frames that arrived on `p`'s channel to this node in this session (0 without one).
std::uint64_t session_engine::received_from(const peer_state& p) const {
  if (p.accepted_id.empty()) return 0;
  auto it = accepted_.find(p.accepted_id);
  return it != accepted_.end() && it->second->authenticated ? it->second->received : 0;
}

/// The count to confirm to `p` now, if a receipt is due: it changed since the last one, and a
/// heartbeat goes anyway or receipt_interval passed.
std::optional<std::uint64_t> session_engine::receipt_due(peer_state& p, bool heartbeat_due, time_point now) {
  const std::uint64_t received = received_from(p);
  if (received == p.receipt_sent || (!heartbeat_due && now - p.receipt_at < config_.receipt_interval)) return std::nullopt;
  p.receipt_sent = received;
  p.receipt_at = now;
  return received;
}

duration session_engine::probe_window() const { return config_.peer_timeout + 2 * config_.heartbeat_interval; }

/// Recomputes which members this node watches, after the members up changed.
void session_engine::update_watches(time_point now) {
  if (!ring_dirty_) return;
  ring_dirty_ = false;
  std::vector<std::string> members{options_.name};
  for (auto& [name, p] : peers_)
    if (p->up && !is_hidden_node(name)) members.push_back(name);
  std::ranges::sort(members);
  ring_size_ = members.size();
  std::vector<std::string> watched;
  if (ring_mode()) watched = ring_successors(options_.name, members, config_.monitored_by);
  for (auto& [name, p] : peers_) {
    if (is_hidden_node(name)) continue;
    p->ring = p->up && (!ring_mode() || std::ranges::find(watched, name) != watched.end());
    refresh_watch(*p, now);
  }
}

/// Starts or stops watching `p` as the ring and its probation say.
void session_engine::refresh_watch(peer_state& p, time_point now) {
  const bool want = p.up && (p.ring || p.probe_until > now || (ring_mode() && !p.speaks_watch));
  if (want == p.watching) return;
  p.watching = want;
  if (want) {
    p.watch_since = now;
    if (ring_mode()) {
      // A fresh history, from now: the old one has a gap from while it sent us no heartbeats.
      p.detector = std::make_unique<phi_detector>(config_.detector, config_.heartbeat_interval);
      p.detector->heartbeat(now);
      send_watch(p, true, now);
    }
  } else {
    p.suspect = false;
    publish_status(p);
    if (ring_mode()) send_watch(p, false, now);
  }
}

/// Watches `p` for a while whatever the ring: its own detector's verdict then decides.
void session_engine::probe(peer_state& p, time_point now) {
  if (!ring_mode() || !p.up || is_hidden_node(p.name)) return;
  p.probe_until = std::max(p.probe_until, now + probe_window());
  refresh_watch(p, now);
}

void session_engine::send_watch(peer_state& p, bool on, time_point now) {
  p.watch_asked = now;
  if (!p.client || blocked(p.name)) return;
  auto& c = *clients_.at(*p.client);
  if (c.state != client_state::up) return;  // asked again once silent (housekeeping)
  msgpack::sbuffer buf;
  encode_heartbeat(buf, on);
  actions_.emplace_back(action::send{c.id, bytes_of(buf)});
  c.last_sent = now;
}

void session_engine::send_heartbeat_now(peer_state& p, time_point now) {
  if (!p.client || blocked(p.name)) return;
  auto& c = *clients_.at(*p.client);
  if (c.state != client_state::up) return;  // the first heartbeat follows once the channel is up
  msgpack::sbuffer hb;
  encode_heartbeat(hb);
  actions_.emplace_back(action::send{c.id, bytes_of(hb)});
  c.last_sent = now;
}

/// This node's detector lost `lost`, a member it watched: every other member is told (one LOST
/// frame each, once per loss), unless every member watches it anyway (a small cluster). Two such
/// losses close together suggest this node is the one cut off: it then probes every member, so
/// that an isolated node loses them all within a detection time rather than never.
void session_engine::report_loss(const peer_state& lost, std::uint32_t creation, std::uint64_t silent_ms, time_point now) {
  const bool repeated = last_own_loss_ != time_point{} && now - last_own_loss_ <= probe_window();
  last_own_loss_ = now;
  if (ring_size_ <= config_.monitored_by + 1) return;  // every member watches it: nobody needs telling
  msgpack::sbuffer buf;
  encode_lost(buf, lost_report{lost.name, creation, static_cast<std::uint32_t>(std::min<std::uint64_t>(silent_ms, UINT32_MAX))});
  const auto bytes = bytes_of(buf);
  for (auto& [name, p] : peers_) {
    if (p.get() == &lost || !p->up || !p->speaks_watch || is_hidden_node(name) || !p->client || blocked(name)) continue;
    auto& c = *clients_.at(*p->client);
    if (c.state != client_state::up) continue;
    actions_.emplace_back(action::send{c.id, bytes});
    c.last_sent = now;
    stats_.loss_reports_sent.fetch_add(1, std::memory_order_relaxed);
  }
  if (!repeated || now < check_round_until_) return;
  check_round_until_ = now + probe_window();
  log()->warn("lost two watched members within {} ms; checking every member", std::chrono::duration_cast<std::chrono::milliseconds>(probe_window()).count());
  for (auto& [name, p] : peers_)
    if (p->up && !is_hidden_node(name) && !p->watching) probe(*p, now);
}

/// `reporter`'s detector lost member `r`. The rule (docs/membership.md): a member this node
/// watches itself is judged by its own detector alone; one heard from here clearly after the
/// reporter's last word is alive as far as this node knows (it is watched on probation); else
/// two reports from different members within a probation window of each other lose it, and one
/// report puts it on probation, so its own
/// detector decides within a detection time. A single member cut off one way cannot make the
/// cluster drop a live node.
void session_engine::on_lost_report(const peer_state& reporter, const lost_report& r, time_point now) {
  if (!ring_mode() || r.name == options_.name || r.name == reporter.name || is_hidden_node(r.name)) return;
  auto it = peers_.find(r.name);
  if (it == peers_.end()) return;
  auto& p = *it->second;
  if (!p.up || p.creation != r.creation || p.ring || !p.speaks_watch) return;  // another session, or judged here
  if (now - p.last_heard + 2 * config_.heartbeat_interval < std::chrono::milliseconds(r.silent_ms)) return probe(p, now);
  std::erase_if(p.reports, [&](auto& r) { return r.first == reporter.name || now - r.second > probe_window(); });
  p.reports.emplace_back(reporter.name, now);
  if (p.reports.size() < std::min<std::size_t>(2, config_.monitored_by)) return probe(p, now);
  std::string by = p.reports[0].first;
  for (std::size_t i = 1; i < p.reports.size(); ++i) by += ", " + p.reports[i].first;
  log()->warn("node '{}' is reported lost by {}; considering it lost", p.name, by);
  stats_.losses_by_report.fetch_add(1, std::memory_order_relaxed);
  lose(p, "reported lost by " + by, now);
}

void session_engine::shutdown() {
  msgpack::sbuffer bye;
  encode_bye(bye);
  for (auto& [id, c] : clients_) {
    if (c->state != client_state::up) continue;
    // A final receipt first: the peer then knows exactly what of its messages never arrived.
    msgpack::sbuffer last;
    if (c->peer) encode_receipt(last, received_from(*c->peer));
    last.write(bye.data(), bye.size());
    actions_.emplace_back(action::send{id, bytes_of(last)});
  }
  for (auto& [name, p] : peers_) {
    bool was_up = p->up;
    p->reachable = false;
    p->up = false;
    publish_status(*p);
    actions_.emplace_back(action::dropped{p->name, p->creation, "stopped", p->address, was_up, was_up, end_receipts(*p)});
  }
}

}  // namespace troupe::transport
