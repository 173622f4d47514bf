// The simulated transport: the session engine's second pump (simulated_network.hpp). The
// protocol is the engine's; this file moves packets between the wire and the engine, and keeps
// the data plane (outbound buffers, remote watches, delivery) as io_thread.cpp does.

#include "troupe/transport/simulated_network.hpp"

#include <charconv>

#include "troupe/node/log.hpp"
#include "troupe/node/system_messages.hpp"
#include "troupe/transport/node_events.hpp"

namespace troupe::transport {

namespace {
constexpr auto housekeeping_period = std::chrono::milliseconds(10);

std::uint64_t splitmix(std::uint64_t& x) noexcept {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
}  // namespace

simulated_network::simulated_network(actor_system& system, sim_wire& wire, std::string address, transport_config config)
    : system_(system),
      wire_(wire),
      address_(std::move(address)),
      config_(std::move(config)),
      slot_(wire.slot_of(address_)),
      engine_(session_options{.name = system.node_name(),
                              .creation = system.creation(),
                              .address = address_,
                              .make_nonce = [this] { return next_nonce(); },
                              .blocked = {},
                              .restart_stuck_handshakes = false},
              config_, protocol_stats_) {
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
  engine_.shutdown();  // BYE on every channel that is up; every peer is dropped
  apply();
  stopped_ = true;
  wire_.attach(slot_, nullptr);
}

void simulated_network::crash() {
  stopped_ = true;
  wire_.attach(slot_, nullptr);
}

void simulated_network::connect(const std::string& address) {
  if (stopped_) return;
  engine_.connect(address, system_.clock().now());
  apply();
}

bool simulated_network::connected(std::string_view node) const {
  peer* p = find_peer(node);
  return p && p->up.load();
}

simulated_network::counters simulated_network::stats() const noexcept {
  counters c;
  c.messages_out = messages_out_;
  c.messages_in = protocol_stats_.messages_in.load();
  c.duplicates = duplicates_;
  c.broken = broken_;
  c.rejected = rejected_;
  c.peers_lost = protocol_stats_.peers_lost.load();
  c.dropped_on_loss = protocol_stats_.dropped_on_loss.load();
  c.undecodable = protocol_stats_.unknown_types.load() + protocol_stats_.protocol_violations.load() +
                  protocol_stats_.malformed_frames.load();
  return c;
}

/// Nonces only have to differ here (no secret is at stake in a simulation), and to replay.
nonce simulated_network::next_nonce() {
  std::uint64_t x = (static_cast<std::uint64_t>(slot_) << 40) ^ (static_cast<std::uint64_t>(system_.creation()) << 20) ^ ++nonces_;
  nonce n{};
  for (std::size_t i = 0; i < n.size(); i += 8) {
    auto v = splitmix(x);
    for (std::size_t j = 0; j < 8; ++j) n[i + j] = static_cast<std::uint8_t>(v >> (8 * j));
  }
  return n;
}

std::string simulated_network::key_name(const in_key& key) {
  return std::to_string(key.first) + ":" + std::to_string(key.second);
}

// --- what the engine decided ---------------------------------------------------------------------------

void simulated_network::apply() {
  // The scratch vector keeps its capacity between calls; a nested call (a peer-event handler
  // that connects) finds it moved out and starts with an empty one.
  std::vector<session_action> batch;
  batch.swap(actions_scratch_);
  while (engine_.take_actions(batch))
    for (auto& a : batch) std::visit([this](auto& x) { on(x); }, a);
  actions_scratch_.swap(batch);
}

void simulated_network::on(action::dial& a) {
  client_wire w;
  w.slot = wire_.slot_of(a.address);
  w.session = wire_.new_session();
  w.attempt = system_.clock().now();
  by_session_[w.session] = a.conn;
  clients_[a.conn] = w;
  send_client(a.conn, std::move(a.hello));
}

void simulated_network::on(action::send& a) { send_client(a.conn, std::move(a.bytes)); }

void simulated_network::on(action::close& a) {
  if (auto it = clients_.find(a.conn); it != clients_.end()) {
    by_session_.erase(it->second.session);
    clients_.erase(it);
  }
  std::erase_if(up_on_, [&](auto& kv) { return kv.second == a.conn; });
}

void simulated_network::on(action::reply& a) {
  in_key key{};
  auto colon = a.to.find(':');
  std::from_chars(a.to.data(), a.to.data() + colon, key.first);
  std::from_chars(a.to.data() + colon + 1, a.to.data() + a.to.size(), key.second);
  if (a.last) {
    // A REJECT ends the connection, so the client takes it whatever its position.
    ++rejected_;
    accepted_.erase(key);
    wire_.send(sim_packet{slot_, key.first, key.second, false, 0, true, std::move(a.bytes)});
    return;
  }
  auto& w = accepted_[key];
  wire_.send(sim_packet{slot_, key.first, key.second, false, w.seq_out++, false, std::move(a.bytes)});
}

void simulated_network::on(action::status& a) {
  peer& p = peer_named(a.peer);
  p.creation.store(a.creation);
  p.up.store(a.up);
  p.reachable.store(a.reachable);
  p.suspect.store(a.suspect);
}

void simulated_network::on(action::up& a) {
  peer& p = peer_named(a.peer);
  up_on_[a.peer] = a.conn;
  flush(p);  // what was sent while the session was being set up
  publish(peer_event{a.peer, a.creation, true, {}, a.address});
}

void simulated_network::on(action::dropped& a) {
  peer& p = peer_named(a.peer);
  auto tally = p.out.reset();
  protocol_stats_.dropped_on_loss.fetch_add(tally.dropped);
  protocol_stats_.unconfirmed_at_loss.fetch_add(tally.unconfirmed(a.confirmed));
  if (a.end_watches) p.watches.fire_noconnection(system_);
  if (a.was_up) publish(peer_event{a.peer, a.creation, false, a.reason, a.address});
}

void simulated_network::on(action::deliver& a) {
  auto& m = a.message;
  pid to = m.to;
  if (!m.to_name.empty()) {
    auto p = system_.whereis(m.to_name);
    if (!p) return system_.bounce_name(m.to_name, std::move(m.envelope));  // a monitor: DOWN noproc
    to = *p;
  }
  if (m.envelope->type->signal)
    if (auto* p = find_peer(a.peer)) p->watches.inbound(to, *m.envelope);
  system_.deliver_local(to, std::move(m.envelope));
}

void simulated_network::on(action::name_in_use& a) {
  if (config_.on_name_in_use) config_.on_name_in_use(a.reason);
}

// --- peers ---------------------------------------------------------------------------------------------

peer& simulated_network::peer_named(const std::string& name) {
  auto& p = peers_[name];
  if (!p) p = std::make_unique<peer>(name, config_);
  return *p;
}

peer* simulated_network::find_peer(std::string_view name) const {
  auto it = peers_.find(name);
  return it == peers_.end() ? nullptr : it->second.get();
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
    out.push_back(peer_info{p->name, p->creation.load(), p->up.load(), p->suspect.load(), engine_.address_of(name),
                            p->out.queued_messages(), p->watches.size()});
  return out;
}

std::vector<std::string> simulated_network::connected_nodes() const {
  std::vector<std::string> out;
  for (auto& [name, p] : peers_)
    if (p->up.load() && !is_hidden_node(name)) out.push_back(name);
  return out;
}

// --- sending -------------------------------------------------------------------------------------------

void simulated_network::send_client(conn_id conn, std::string bytes) {
  auto it = clients_.find(conn);
  if (it == clients_.end()) return;
  auto& w = it->second;
  wire_.send(sim_packet{slot_, w.slot, w.session, true, w.seq_out++, false, std::move(bytes)});
}

/// ZeroMQ gives up on a TCP connect that got no answer after io_thread's connect_timeout
/// (handshake_timeout / 3) and connects again; the HELLO waiting in the socket then goes out on
/// the new connection. Here the HELLO (or its answer) was lost on the wire: send it again on a
/// new connection, so that a handshake begun during a cut ends soon after the heal, as it does
/// over TCP, instead of waiting out the whole handshake timeout.
void simulated_network::redial(conn_id conn, client_wire& w) {
  by_session_.erase(w.session);
  w.session = wire_.new_session();
  w.seq_out = w.seq_in = 0;
  w.attempt = system_.clock().now();
  by_session_[w.session] = conn;
  if (auto hello = engine_.hello_of(conn)) send_client(conn, std::move(*hello));
}

envelope_ptr simulated_network::route(const pid& to, envelope_ptr e) {
  if (stopped_) return nullptr;  // a crashed or stopped node says nothing more
  peer* p = find_peer(node_name(to.node));
  if (!p || !p->reachable.load()) return unreachable(to, std::move(e));
  if (p->creation.load() != to.creation) return e;  // an older incarnation: dead
  if (!e->type->encode) {
    log()->error("message type '{}' is local-only and cannot be sent to {}", e->type->name, to.to_string());
    return e;
  }
  msgpack::sbuffer tail;
  encode_message_tail(tail, to, *e);
  if (e->type->signal) p->watches.outbound(to, *e);
  if (!enqueue(*p, *e, tail)) return e;
  return nullptr;
}

bool simulated_network::send_to_name(std::string_view node, std::string_view name, envelope_ptr e) {
  return route_to_name(node, name, std::move(e)) == nullptr;
}

envelope_ptr simulated_network::route_to_name(std::string_view node, std::string_view name, envelope_ptr e) {
  if (stopped_) return nullptr;  // a crashed or stopped node says nothing more
  peer* p = find_peer(node);
  if (!p || !p->reachable.load()) return e;
  if (!e->type->encode) {
    log()->error("message type '{}' is local-only and cannot be sent to '{}' on '{}'", e->type->name, name, node);
    return e;
  }
  msgpack::sbuffer tail;
  encode_message_tail(tail, name, *e);
  if (e->type->signal) p->watches.outbound_to_name(*e);
  if (!enqueue(*p, *e, tail)) return e;
  return nullptr;
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

// The same buffer as the ZeroMQ transport's (types interned per connection), flushed at once:
// the simulation has no I/O thread to wake.
bool simulated_network::enqueue(peer& p, const envelope& e, const msgpack::sbuffer& tail) {
  if (!p.out.append(*e.type, tail.data(), tail.size())) return false;
  ++messages_out_;
  flush(p);
  return true;
}

void simulated_network::flush(peer& p) {
  auto it = up_on_.find(p.name);
  if (!p.up.load() || it == up_on_.end()) return;
  std::vector<batch> taken;
  p.out.take(taken);
  for (auto& b : taken) {
    std::size_t size = b.bytes.size();
    send_client(it->second, std::move(b.bytes));
    p.out.handed(b.messages);
    p.out.release(size, b.messages);
  }
  if (!taken.empty()) engine_.sent(it->second, system_.clock().now());
}

// --- receiving -----------------------------------------------------------------------------------------

void simulated_network::receive(const sim_packet& p) {
  if (stopped_) return;
  auto now = system_.clock().now();
  if (p.to_server) {
    in_key key{p.from, p.session};
    auto [it, fresh] = accepted_.try_emplace(key);
    auto& w = it->second;
    if (fresh) {
      w.seq_in = p.seq + 1;  // a connection this side forgot shows up mid-stream: the engine refuses it
      w.id = key_name(key);
    } else {
      if (p.seq < w.seq_in) return void(++duplicates_);
      if (p.seq > w.seq_in) {
        ++broken_;
        engine_.accepted_broken(w.id, "connection broken (lost packets)", now);
        return apply();
      }
      ++w.seq_in;
    }
    engine_.on_accepted_bytes(w.id, p.bytes, now);
    return apply();
  }
  auto s = by_session_.find(p.session);
  if (s == by_session_.end()) return;  // a connection closed here: its late packets go nowhere
  conn_id conn = s->second;
  auto& w = clients_.at(conn);
  if (!p.last) {
    if (p.seq < w.seq_in) return void(++duplicates_);
    if (p.seq > w.seq_in) {
      ++broken_;
      engine_.client_broken(conn, "connection broken (lost packets)", now);
      return apply();
    }
    ++w.seq_in;
  }
  engine_.on_client_bytes(conn, p.bytes, now);
  apply();
}

// --- liveness ------------------------------------------------------------------------------------------

void simulated_network::housekeeping() {
  auto now = system_.clock().now();
  next_housekeeping_ = now + housekeeping_period;
  if (stopped_) return;
  engine_.housekeeping(now);
  apply();
  for (auto& [conn, w] : clients_)
    if (!engine_.answered(conn) && now - w.attempt >= config_.handshake_timeout / 3) redial(conn, w);
}

}  // namespace troupe::transport
