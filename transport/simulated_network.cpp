// The simulated transport. Each function mirrors its namesake in io_thread.cpp; comments here
// only say where the simulation differs.

#include "troupe/transport/simulated_network.hpp"

#include "troupe/transport/peer.hpp"

#include "troupe/node/log.hpp"
#include "troupe/node/system_messages.hpp"
#include "troupe/transport/node_events.hpp"

namespace troupe::transport {

struct simulated_network::out_session {
  std::uint64_t id = 0;
  std::size_t slot = 0;
  std::string address;
  bool up = false;
  bool challenged = false;
  std::string peer;  // known once the CHALLENGE names it
  std::uint64_t seq_out = 0, seq_in = 0;
  time_point started{}, last_sent{};
  time_point attempt{};  // when its current connection was made and the HELLO sent on it
};

struct simulated_network::in_session {
  bool authenticated = false;
  std::string peer;
  std::uint32_t creation = 0;
  std::uint64_t seq_out = 0, seq_in = 0;
};

struct simulated_network::peer_state {
  explicit peer_state(std::string n) : name(std::move(n)) {}
  std::string name;
  std::uint32_t creation = 0;
  bool up = false, reachable = false, suspect = false;
  std::optional<std::uint64_t> out;
  std::optional<in_key> in;
  std::string address;
  time_point last_heard{};
  std::unique_ptr<phi_detector> detector;
  time_point reconnect_at{};
  bool reconnect = false;
  std::deque<std::string> queued;  // message frames waiting for the session to come up
  remote_watches watches;
};

namespace {
constexpr auto housekeeping_period = std::chrono::milliseconds(10);
}

simulated_network::simulated_network(actor_system& system, sim_wire& wire, std::string address, transport_config config)
    : system_(system), wire_(wire), address_(std::move(address)), config_(std::move(config)), slot_(wire.slot_of(address_)) {
  config_.advertise = address_;
}

simulated_network::~simulated_network() {
  if (started_) system_.set_remote_router(nullptr);
  if (!stopped_) wire_.attach(slot_, nullptr);
}

result<void> simulated_network::start() {
  wire_.attach(slot_, this);
  system_.set_remote_router(this);
  started_ = true;
  next_housekeeping_ = system_.clock().now() + housekeeping_period;
  return {};
}

void simulated_network::stop() {
  if (stopped_) return;
  msgpack::sbuffer bye;
  encode_bye(bye);
  for (auto& [id, s] : sessions_)
    if (s->up) send_client(*s, bye);
  stopped_ = true;
  for (auto& [name, p] : peers_) {
    p->reachable = false;
    p->queued.clear();
    if (!p->up) continue;
    p->up = false;
    p->watches.fire_noconnection(system_);
    publish(peer_event{p->name, p->creation, false, "stopped", p->address});
  }
  wire_.attach(slot_, nullptr);
}

void simulated_network::crash() {
  stopped_ = true;
  wire_.attach(slot_, nullptr);
}

void simulated_network::connect(const std::string& address) {
  if (stopped_) return;
  for (auto& [id, s] : sessions_)
    if (s->address == address) return;
  open_session(address, nullptr);
}

bool simulated_network::connected(std::string_view node) const {
  auto it = peers_.find(node);
  return it != peers_.end() && it->second->up;
}

// --- sessions ------------------------------------------------------------------------------------------

simulated_network::out_session* simulated_network::open_session(const std::string& address, peer_state* known) {
  if (address == address_) return nullptr;
  for (auto& [id, s] : sessions_)
    if (s->address == address) return s.get();  // as io_thread: already connecting or connected there
  auto s = std::make_unique<out_session>();
  s->id = wire_.new_session();
  s->slot = wire_.slot_of(address);
  s->address = address;
  s->started = s->attempt = system_.clock().now();
  if (known) {
    s->peer = known->name;
    known->out = s->id;
  }
  auto* raw = s.get();
  sessions_[s->id] = std::move(s);
  msgpack::sbuffer hello;
  encode_hello(hello, hello_frame{protocol_version, system_.node_name(), system_.creation(), address_, {}});
  send_client(*raw, hello);
  return raw;
}

/// ZeroMQ gives up on a TCP connect that got no answer after io_thread's connect_timeout
/// (handshake_timeout / 3) and connects again; the HELLO waiting in the socket then goes out on
/// the new connection. Here the HELLO (or its answer) was lost on the wire: send it again on a
/// new connection, so that a handshake begun during a cut ends soon after the heal, as it does
/// over TCP, instead of waiting out the whole handshake timeout.
void simulated_network::redial(std::uint64_t id) {
  auto entry = sessions_.extract(id);
  auto& s = *entry.mapped();
  s.id = wire_.new_session();
  s.seq_out = s.seq_in = 0;
  s.attempt = system_.clock().now();
  for (auto& [name, p] : peers_)
    if (p->out == id) p->out = s.id;
  entry.key() = s.id;
  sessions_.insert(std::move(entry));
  msgpack::sbuffer hello;
  encode_hello(hello, hello_frame{protocol_version, system_.node_name(), system_.creation(), address_, {}});
  send_client(s, hello);
}

void simulated_network::close_session(std::uint64_t id) {
  for (auto& [name, p] : peers_)
    if (p->out == id) p->out.reset();
  sessions_.erase(id);
}

void simulated_network::session_failed(std::uint64_t id, const std::string& reason) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  peer_state* p = it->second->peer.empty() ? nullptr : find_peer(it->second->peer);
  if (p && p->up && p->out == id) return lose(*p, reason);
  if (p && p->out == id) {
    p->reconnect_at = system_.clock().now() + config_.reconnect_interval;
    p->reachable = false;
    stats_.dropped_on_loss += p->queued.size();
    p->queued.clear();
    // Links and monitors queued while the connection was being set up are lost with it.
    p->watches.fire_noconnection(system_);
  }
  close_session(id);
}

void simulated_network::lose(peer_state& p, const std::string& reason) {
  p.reachable = false;
  const bool was_up = p.up;
  p.up = false;
  if (p.out) close_session(*p.out);
  if (p.in) inbound_.erase(*p.in);
  p.in.reset();
  p.detector.reset();
  p.suspect = false;
  p.reconnect_at = system_.clock().now() + config_.reconnect_interval;
  if (reason == "left") p.reconnect = false;
  stats_.dropped_on_loss += p.queued.size();
  p.queued.clear();
  if (!was_up) return;
  ++stats_.peers_lost;
  log()->debug("{}: lost node '{}' (creation {}): {}", system_.node_name(), p.name, p.creation, reason);
  p.watches.fire_noconnection(system_);
  publish(peer_event{p.name, p.creation, false, reason, p.address});
}

/// The peer has a new incarnation. Up: it is lost ("restarted"). Not up (a handshake was
/// pending, so no `down` came in between): what was queued for the old incarnation, and the
/// links and monitors on it, end all the same — sent on, they would reach the new incarnation,
/// whose DOWN noproc from the old pid the creation check here drops, and never fire (found by
/// the simulation, seed 191).
void simulated_network::restarted(peer_state& p) {
  if (p.up) return lose(p, "restarted");
  if (p.creation == 0) return;  // never heard of before
  stats_.dropped_on_loss += p.queued.size();
  p.queued.clear();
  p.watches.fire_noconnection(system_);
}

simulated_network::peer_state& simulated_network::peer_named(const std::string& name) {
  auto& p = peers_[name];
  if (!p) p = std::make_unique<peer_state>(name);
  return *p;
}

simulated_network::peer_state* simulated_network::find_peer(std::string_view name) {
  auto it = peers_.find(name);
  return it == peers_.end() ? nullptr : it->second.get();
}

void simulated_network::heard(peer_state& p) {
  auto now = system_.clock().now();
  p.last_heard = now;
  if (p.detector) p.detector->heartbeat(now);
}

void simulated_network::publish(const peer_event& ev) {
  auto handlers = handlers_;
  auto monitors = node_monitors_;
  for (auto& h : handlers) h(ev);
  for (auto& m : monitors) {
    if (ev.up)
      system_.deliver(m, make_envelope<node_up>(pid{}, node_up{ev.name, ev.creation}));
    else
      system_.deliver(m, make_envelope<node_down>(pid{}, node_down{ev.name, ev.creation, ev.reason}));
  }
}

void simulated_network::on_peer_event(std::function<void(const peer_event&)> handler) {
  handlers_.push_back(std::move(handler));
}

void simulated_network::monitor_nodes(const pid& subscriber, bool on) {
  std::erase(node_monitors_, subscriber);
  if (on) node_monitors_.push_back(subscriber);
}

std::vector<peer_info> simulated_network::peers() const {
  std::vector<peer_info> out;
  for (auto& [name, p] : peers_)
    out.push_back(peer_info{p->name, p->creation, p->up, p->suspect, p->address, p->queued.size(), p->watches.size()});
  return out;
}

// --- sending -------------------------------------------------------------------------------------------

void simulated_network::send_client(out_session& s, const msgpack::sbuffer& frames) {
  send_client(s, std::string(frames.data(), frames.size()));
}

void simulated_network::send_client(out_session& s, std::string bytes) {
  wire_.send(sim_packet{slot_, s.slot, s.id, true, s.seq_out++, std::move(bytes)});
  s.last_sent = system_.clock().now();
}

void simulated_network::send_server(const in_key& key, const msgpack::sbuffer& frames) {
  auto it = inbound_.find(key);
  if (it == inbound_.end()) return;
  wire_.send(sim_packet{slot_, key.first, key.second, false, it->second->seq_out++, std::string(frames.data(), frames.size())});
}

void simulated_network::reject(std::size_t slot, std::uint64_t session, const std::string& reason) {
  ++stats_.rejected;
  msgpack::sbuffer buf;
  encode_reject(buf, reason);
  // A REJECT ends the connection, so the client takes it whatever its position.
  wire_.send(sim_packet{slot_, slot, session, false, 0, std::string(buf.data(), buf.size())});
  inbound_.erase({slot, session});
}

envelope_ptr simulated_network::route(const pid& to, envelope_ptr e) {
  if (stopped_) return nullptr;  // a crashed or stopped node says nothing more
  peer_state* p = find_peer(node_name(to.node));
  if (!p || !p->reachable) return unreachable(to, std::move(e));
  if (p->creation != to.creation) return e;  // an older incarnation: dead
  if (!e->type->encode) {
    log()->error("message type '{}' is local-only and cannot be sent to {}", e->type->name, to.to_string());
    return e;
  }
  msgpack::sbuffer frame;
  encode_message_head(frame, e->type->name);
  encode_message_tail(frame, to, *e);
  if (e->type->signal) p->watches.outbound(to, *e);
  enqueue(*p, std::move(frame));
  return nullptr;
}

bool simulated_network::send_to_name(std::string_view node, std::string_view name, envelope_ptr e) {
  return route_to_name(node, name, std::move(e)) == nullptr;
}

envelope_ptr simulated_network::route_to_name(std::string_view node, std::string_view name, envelope_ptr e) {
  if (stopped_) return nullptr;  // a crashed or stopped node says nothing more
  peer_state* p = find_peer(node);
  if (!p || !p->reachable) return e;
  if (!e->type->encode) {
    log()->error("message type '{}' is local-only and cannot be sent to '{}' on '{}'", e->type->name, name, node);
    return e;
  }
  msgpack::sbuffer frame;
  encode_message_head(frame, e->type->name);
  encode_message_tail(frame, name, *e);
  if (e->type->signal) p->watches.outbound_to_name(*e);
  enqueue(*p, std::move(frame));
  return nullptr;
}

std::vector<std::string> simulated_network::connected_nodes() const {
  std::vector<std::string> out;
  for (auto& [name, p] : peers_)
    if (p->up && !is_hidden_node(name)) out.push_back(name);
  return out;
}

envelope_ptr simulated_network::unreachable(const pid& to, envelope_ptr e) {
  if (holds<signals::link>(*e)) {
    system_.deliver(e->from, make_envelope<signals::exit>(to, signals::exit{exit_reason::noconnection(), true}));
    return nullptr;
  }
  if (holds<signals::monitor>(*e)) {
    system_.deliver(e->from,
                    make_envelope<signals::down>(to, signals::down{payload<signals::monitor>(*e).ref, exit_reason::noconnection()}));
    return nullptr;
  }
  return e;
}

void simulated_network::enqueue(peer_state& p, msgpack::sbuffer frame) {
  ++stats_.messages_out;
  p.queued.emplace_back(frame.data(), frame.size());
  flush(p);
}

void simulated_network::flush(peer_state& p) {
  if (!p.up || !p.out) return;
  auto it = sessions_.find(*p.out);
  if (it == sessions_.end() || !it->second->up) return;
  while (!p.queued.empty()) {
    std::string frame = std::move(p.queued.front());  // moved, not copied: most messages pass here
    p.queued.pop_front();
    send_client(*it->second, std::move(frame));
  }
}

// --- receiving -----------------------------------------------------------------------------------------

void simulated_network::receive(const sim_packet& p) {
  if (stopped_) return;
  if (p.to_server)
    on_router(p);
  else
    on_dealer(p);
}

void simulated_network::on_router(const sim_packet& p) {
  in_key key{p.from, p.session};
  auto it = inbound_.find(key);
  if (it != inbound_.end()) {
    auto& in = *it->second;
    if (p.seq < in.seq_in) return void(++stats_.duplicates);
    if (p.seq > in.seq_in) return broken(key, "connection broken (lost packets)");
    ++in.seq_in;
  } else if (p.seq != 0) {
    // A connection this side forgot (it lost the peer): as the real ROUTER, refuse it.
    return reject(p.from, p.session, "not authenticated");
  }
  frame_reader reader(p.bytes.data(), p.bytes.size(), config_.limits);
  while (auto f = reader.next()) {
    auto k = kind_of(*f);
    if (std::holds_alternative<decode_error>(k)) return broken(key, std::get<decode_error>(k).what);
    auto kind = std::get<frame_kind>(k);
    auto cur = inbound_.find(key);
    if (cur == inbound_.end()) {
      if (kind != frame_kind::hello) return reject(p.from, p.session, "not authenticated");
      on_hello(key, *f);
      continue;
    }
    auto& in = *cur->second;
    peer_state* peer = find_peer(in.peer);
    if (!peer || peer->in != key) return reject(p.from, p.session, "not authenticated");
    heard(*peer);
    switch (kind) {
      case frame_kind::heartbeat: break;
      case frame_kind::message: on_message(in, *f); break;
      case frame_kind::bye: return lose(*peer, "left");
      default: return broken(key, "unexpected frame on a server connection");
    }
  }
  if (!reader.error().empty()) broken(key, reader.error());
}

void simulated_network::broken(const in_key& key, const std::string& why) {
  ++stats_.broken;
  peer_state* p = nullptr;
  if (auto it = inbound_.find(key); it != inbound_.end()) p = find_peer(it->second->peer);
  reject(key.first, key.second, why);
  if (p && p->up) lose(*p, why);
}

void simulated_network::on_hello(const in_key& key, const msgpack::object& f) {
  auto h = decode_hello(f);
  if (std::holds_alternative<decode_error>(h)) return reject(key.first, key.second, "malformed frame");
  auto& hello = std::get<hello_frame>(h);
  if (hello.version != protocol_version) return reject(key.first, key.second, "version mismatch");
  if (hello.name == system_.node_name()) return reject(key.first, key.second, "that is my name");
  auto& p = peer_named(hello.name);
  if (p.creation != hello.creation) restarted(p);
  if (p.in && *p.in != key) inbound_.erase(*p.in);  // its old connection
  auto& in = inbound_[key];
  in = std::make_unique<in_session>();
  in->authenticated = true;
  in->peer = hello.name;
  in->creation = hello.creation;
  in->seq_in = 1;  // the HELLO was the first packet
  p.creation = hello.creation;
  p.reachable = true;
  p.in = key;
  if (!p.detector) p.detector = std::make_unique<phi_detector>(config_.detector, config_.heartbeat_interval);
  heard(p);
  if (p.address.empty()) p.address = hello.listen;
  msgpack::sbuffer reply;
  encode_challenge(reply, challenge_frame{protocol_version, system_.node_name(), system_.creation(), {}, {}});
  encode_welcome(reply);
  send_server(key, reply);
  if (!p.out && !hello.listen.empty()) open_session(hello.listen, &p);
}

void simulated_network::on_dealer(const sim_packet& p) {
  auto it = sessions_.find(p.session);
  if (it == sessions_.end()) return;  // a connection closed here: its late packets go nowhere
  const std::uint64_t id = p.session;
  out_session& s = *it->second;
  frame_reader reader(p.bytes.data(), p.bytes.size(), config_.limits);
  bool first = true;
  while (auto f = reader.next()) {
    auto k = kind_of(*f);
    if (std::holds_alternative<decode_error>(k)) return session_failed(id, "protocol violation");
    auto kind = std::get<frame_kind>(k);
    if (kind == frame_kind::reject) return session_failed(id, "rejected: " + decode_reject_reason(*f));
    if (first) {
      if (p.seq < s.seq_in) return void(++stats_.duplicates);
      if (p.seq > s.seq_in) {
        ++stats_.broken;
        return session_failed(id, "connection broken (lost packets)");
      }
      ++s.seq_in;
      first = false;
    }
    switch (kind) {
      case frame_kind::challenge: on_challenge(s, *f); break;
      case frame_kind::welcome: on_welcome(s); break;
      default: return session_failed(id, "protocol violation");
    }
    if (!sessions_.contains(id)) return;  // the handshake ended it
  }
}

void simulated_network::on_challenge(out_session& s, const msgpack::object& f) {
  auto c = decode_challenge(f);
  if (std::holds_alternative<decode_error>(c) || s.challenged) return session_failed(s.id, "protocol violation");
  auto& ch = std::get<challenge_frame>(c);
  if (ch.name == system_.node_name()) return session_failed(s.id, "self");
  auto& p = peer_named(ch.name);
  if (p.out && *p.out != s.id) return session_failed(s.id, "duplicate");
  if (p.creation != ch.creation) restarted(p);
  s.challenged = true;
  s.peer = p.name;
  p.out = s.id;
  p.address = s.address;
  p.creation = ch.creation;
  p.reachable = true;
}

void simulated_network::on_welcome(out_session& s) {
  if (!s.challenged || s.up) return session_failed(s.id, "protocol violation");
  s.up = true;
  auto& p = peer_named(s.peer);
  p.detector = std::make_unique<phi_detector>(config_.detector, config_.heartbeat_interval);
  heard(p);
  p.reconnect = true;
  p.reachable = true;
  p.up = true;
  flush(p);
  publish(peer_event{p.name, p.creation, true, {}, s.address});
}

void simulated_network::on_message(in_session& in, const msgpack::object& f) {
  auto decoded = decode_message(f, types_);
  if (std::holds_alternative<decode_error>(decoded)) {
    ++stats_.undecodable;
    log()->warn("{}: dropped a message from '{}': {}", system_.node_name(), in.peer, std::get<decode_error>(decoded).what);
    return;
  }
  auto& m = std::get<inbound_message>(decoded);
  const pid& from = m.envelope->from;
  if (!from.is_null() && (node_name(from.node) != in.peer || from.creation != in.creation)) {
    ++stats_.undecodable;
    return;
  }
  ++stats_.messages_in;
  pid to = m.to;
  if (!m.to_name.empty()) {
    auto p = system_.whereis(m.to_name);
    if (!p) return system_.bounce_name(m.to_name, std::move(m.envelope));  // a monitor: DOWN noproc
    to = *p;
  }
  if (m.envelope->type->signal)
    if (auto* p = find_peer(in.peer)) p->watches.inbound(to, *m.envelope);
  system_.deliver_local(to, std::move(m.envelope));
}

// --- liveness ------------------------------------------------------------------------------------------

void simulated_network::housekeeping() {
  auto now = system_.clock().now();
  next_housekeeping_ = now + housekeeping_period;
  if (stopped_) return;
  std::vector<peer_state*> lost;
  for (auto& [name, p] : peers_) {
    if (p->up && p->detector) {
      double phi = p->detector->phi(now);
      p->suspect = phi >= config_.detector.suspect_phi;
      if (phi >= config_.detector.threshold || now - p->last_heard > config_.peer_timeout) lost.push_back(p.get());
    }
    if (p->out) {
      auto& s = *sessions_.at(*p->out);
      if (s.up && now - s.last_sent >= config_.heartbeat_interval) {
        msgpack::sbuffer hb;
        encode_heartbeat(hb);
        send_client(s, hb);
      }
    }
  }
  for (auto* p : lost) lose(*p, "timeout");
  std::vector<std::uint64_t> stale;
  for (auto& [id, s] : sessions_)
    if (!s->up && now - s->started > config_.handshake_timeout) stale.push_back(id);
  for (auto id : stale) session_failed(id, "handshake timeout");
  std::vector<std::uint64_t> unanswered;
  for (auto& [id, s] : sessions_)
    if (!s->challenged && now - s->attempt >= config_.handshake_timeout / 3) unanswered.push_back(id);
  for (auto id : unanswered) redial(id);
  for (auto& [name, p] : peers_)
    if (!p->up && !p->out && p->reconnect && !p->address.empty() && now >= p->reconnect_at) {
      p->reconnect_at = now + config_.reconnect_interval;
      open_session(p->address, p.get());
    }
}

}  // namespace troupe::transport
