// The I/O thread: sockets, handshakes, batching, liveness. See transport.hpp for the model and
// docs/PROTOCOL.md for the frames. Only transport/*.cpp include zmq.hpp.

#include "troupe/transport/io_thread.hpp"

#include <sodium.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <map>
#include <thread>
#include <unordered_map>
#include <zmq.hpp>

#include "troupe/node/log.hpp"
#include "troupe/node/log_limiter.hpp"
#include "troupe/transport/codec.hpp"
#include "troupe/transport/handshake.hpp"
#include "troupe/transport/transport.hpp"

namespace troupe::transport {

/// How long a hidden node (a client, see peer.hpp) may be silent before it is taken for dead.
constexpr auto hidden_peer_timeout = std::chrono::seconds(10);
namespace {

using steady = std::chrono::steady_clock;

long ms_until(steady::time_point t) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(t - steady::now()).count()) + 1;
}

std::string random_id() {
  nonce n = make_nonce();
  static const char hex[] = "0123456789abcdef";
  std::string id = "t";
  for (int i = 0; i < 12; ++i) {
    id += hex[n[i] >> 4];
    id += hex[n[i] & 15];
  }
  return id;
}

/// CurveZMQ keys derived from the cookie: every member knows the server key, outsiders do not.
struct curve_keys {
  std::array<std::uint8_t, 32> server_public{}, server_secret{}, client_public{}, client_secret{};
  explicit curve_keys(const std::string& cookie) {
    std::array<std::uint8_t, 32> seed{};
    static const char label[] = "troupe-curve-v1";
    crypto_generichash(seed.data(), seed.size(), reinterpret_cast<const unsigned char*>(cookie.data()), cookie.size(),
                       reinterpret_cast<const unsigned char*>(label), sizeof(label) - 1);
    crypto_box_seed_keypair(server_public.data(), server_secret.data(), seed.data());
    crypto_box_keypair(client_public.data(), client_secret.data());
  }
};

}  // namespace

struct io_thread::impl {
  enum class out_state { hello_sent, auth_sent, up };

  /// Our DEALER to one peer's ROUTER.
  struct outbound_session {
    std::string address;
    std::string routing_id = random_id();
    zmq::socket_t dealer;
    out_state state = out_state::hello_sent;
    nonce client_nonce = make_nonce();
    peer* p = nullptr;  // known once the CHALLENGE names the peer
    steady::time_point started = steady::now();
    steady::time_point last_sent = steady::now();
    std::deque<batch> blocked;  // taken from the peer's buffer, refused by ZeroMQ (HWM)
  };

  /// A peer's DEALER as seen on our ROUTER.
  struct inbound_session {
    std::string routing_id;
    bool authenticated = false;
    hello_frame hello;
    nonce server_nonce{};
    peer* p = nullptr;
    type_table types;
    steady::time_point started = steady::now();
    /// Set while the session claims the name of a member that is up with another creation:
    /// its WELCOME waits until `decide_contests` knows whether that member still lives.
    peer* contested = nullptr;
    steady::time_point contested_since{};
  };

  /// What the I/O thread tracks per named peer.
  struct peer_state {
    outbound_session* out = nullptr;
    std::string inbound_id;
    std::string address;
    steady::time_point last_heard{};
    std::unique_ptr<phi_detector> detector;  // fresh for each session
    bool suspected = false;
    steady::time_point reconnect_at{};
    bool reconnect = false;
    /// The nonce of the peer's session we dropped on losing it: the peer may not have noticed
    /// (a cut one way stalls its TCP connection in backoff), so our next HELLO names it.
    std::optional<nonce> dropped_inbound;
  };

  transport& owner;
  const transport_config& config;
  transport_stats& stats;
  zmq::context_t ctx{1};
  zmq::socket_t router{ctx, zmq::socket_type::router};
  int wake_fd = -1;
  std::atomic<bool> sleeping{false};
  std::atomic<bool> stopping{false};
  std::thread thread;
  std::string bound;
  std::optional<curve_keys> curve;

  std::mutex commands_mutex;
  std::vector<std::string> connect_requests;

  std::vector<std::unique_ptr<outbound_session>> sessions;
  std::unordered_map<std::string, inbound_session> inbound;
  std::map<peer*, peer_state> peers;
  steady::time_point next_housekeeping{};
  bool told_name_in_use = false;  // on_name_in_use is called once
  /// Warnings a peer can cause once per frame: a few lines per kind and node per interval.
  log_limiter lines;

  explicit impl(transport& t) : owner(t), config(t.config_), stats(t.stats_) {
    if (config.curve) curve.emplace(config.cookie);
  }

  /// Writes a warning through `emit` unless `lines` holds it back (node 0: not authenticated).
  template <class Emit>
  void limited(std::string_view kind, std::uint32_t node, Emit&& emit) {
    log_limited(lines, kind, node, steady::now(), std::forward<Emit>(emit));
  }

  // --- setup ------------------------------------------------------------------------------------------

  result<std::string> bind() {
    try {
      router.set(zmq::sockopt::router_mandatory, 1);
      router.set(zmq::sockopt::linger, 0);
      router.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(config.limits.max_message_bytes));
      router.set(zmq::sockopt::rcvhwm, 1000);
      if (curve) {
        router.set(zmq::sockopt::curve_server, 1);
        router.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(curve->server_secret.data(), 32));
      }
      router.bind(config.listen);
      bound = router.get(zmq::sockopt::last_endpoint);
    } catch (const zmq::error_t& ex) {
      return fail(errc::invalid_argument, "cannot listen on " + config.listen + ": " + ex.what());
    }
    wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd < 0) return fail(errc::invalid_argument, "eventfd failed");
    return bound;
  }

  void launch() { thread = std::thread([this] { run(); }); }

  void stop() {
    if (stopping.exchange(true)) return;
    wake();
    if (thread.joinable()) thread.join();
    if (wake_fd >= 0) ::close(wake_fd);
    wake_fd = -1;
  }

  void wake() noexcept {
    if (sleeping.load(std::memory_order_seq_cst) && sleeping.exchange(false, std::memory_order_seq_cst)) notify();
  }

  void notify() noexcept {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof(one));
  }

  bool owns(const outbound_session* s) const {
    for (auto& x : sessions)
      if (x.get() == s) return true;
    return false;
  }

  // --- the loop -----------------------------------------------------------------------------------------

  void run() {
    std::vector<zmq::pollitem_t> items;
    while (!stopping.load(std::memory_order_acquire)) {
      take_commands();
      items.clear();
      items.push_back({router.handle(), 0, ZMQ_POLLIN, 0});
      items.push_back({nullptr, wake_fd, ZMQ_POLLIN, 0});
      for (auto& s : sessions)
        items.push_back({s->dealer.handle(), 0, static_cast<short>(ZMQ_POLLIN | (s->blocked.empty() ? 0 : ZMQ_POLLOUT)), 0});
      long timeout_ms = work_pending() ? 0 : 20;
      if (auto due = owner.faults_.next_due()) timeout_ms = std::clamp<long>(ms_until(*due), 0, timeout_ms);
      if (timeout_ms > 0) {
        sleeping.store(true, std::memory_order_seq_cst);
        if (work_pending()) timeout_ms = 0;  // a sender queued between the check and the flag
      }
      try {
        zmq::poll(items.data(), items.size(), std::chrono::milliseconds(timeout_ms));
      } catch (const zmq::error_t& ex) {
        if (ex.num() != EINTR) log()->error("transport poll failed: {}", ex.what());
      }
      sleeping.store(false, std::memory_order_seq_cst);
      if (items[1].revents & ZMQ_POLLIN) {
        std::uint64_t n;
        [[maybe_unused]] auto r = ::read(wake_fd, &n, sizeof(n));
      }
      std::vector<outbound_session*> readable;
      for (std::size_t i = 2; i < items.size(); ++i)
        if (items[i].revents & ZMQ_POLLIN) readable.push_back(sessions[i - 2].get());
      if (items[0].revents & ZMQ_POLLIN) drain_router();
      for (auto* s : readable)
        if (owns(s)) drain_dealer(*s);
      flush_all();
      auto now = steady::now();
      if (now >= next_housekeeping) {
        housekeeping(now);
        next_housekeeping = now + std::chrono::milliseconds(10);
      }
    }
    shutdown_sessions();
  }

  bool work_pending() {
    for (auto& [p, st] : peers)
      if (st.out && st.out->state == out_state::up && (!p->out.empty() || !st.out->blocked.empty())) return true;
    std::lock_guard lock(commands_mutex);
    return !connect_requests.empty();
  }

  void take_commands() {
    std::vector<std::string> requests;
    {
      std::lock_guard lock(commands_mutex);
      requests.swap(connect_requests);
    }
    for (auto& a : requests) open_session(a, nullptr);
  }

  // --- outbound sessions (our DEALERs) ------------------------------------------------------------------------

  outbound_session* open_session(const std::string& address, peer* known) {
    for (auto& s : sessions)
      if (s->address == address) return s.get();  // already connecting or connected there
    auto s = std::make_unique<outbound_session>();
    s->address = address;
    s->p = known;
    try {
      s->dealer = zmq::socket_t(ctx, zmq::socket_type::dealer);
      s->dealer.set(zmq::sockopt::routing_id, s->routing_id);
      s->dealer.set(zmq::sockopt::linger, 0);
      // Retry a TCP connect that got no answer every second rather than after the kernel's SYN
      // backoff (1, 3, 7 s...): after a partition heals, the peers meet again within a second.
      s->dealer.set(zmq::sockopt::connect_timeout, static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                       config.handshake_timeout / 3).count()));
      s->dealer.set(zmq::sockopt::sndhwm, 64);
      s->dealer.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(config.limits.max_message_bytes));
      if (curve) {
        s->dealer.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(curve->server_public.data(), 32));
        s->dealer.set(zmq::sockopt::curve_publickey, zmq::const_buffer(curve->client_public.data(), 32));
        s->dealer.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(curve->client_secret.data(), 32));
      }
      s->dealer.connect(address);
    } catch (const zmq::error_t& ex) {
      log()->warn("cannot connect to {}: {}", address, ex.what());
      return nullptr;
    }
    msgpack::sbuffer buf;
    encode_hello(buf, hello_frame{protocol_version, owner.system_.node_name(), owner.system_.creation(),
                                  owner.address(), s->client_nonce,
                                  known ? peers[known].dropped_inbound : std::nullopt});
    send_on(*s, buf);
    if (known) peers[known].out = s.get();
    sessions.push_back(std::move(s));
    return sessions.back().get();
  }

  bool send_on(outbound_session& s, const msgpack::sbuffer& buf) {
    try {
      auto r = s.dealer.send(zmq::const_buffer(buf.data(), buf.size()), zmq::send_flags::dontwait);
      if (r) s.last_sent = steady::now();
      return r.has_value();
    } catch (const zmq::error_t&) {
      return false;
    }
  }

  void close_session(outbound_session* s) {
    if (!s) return;
    for (auto& [p, st] : peers)
      if (st.out == s) st.out = nullptr;
    std::erase_if(sessions, [s](auto& x) { return x.get() == s; });
  }

  void drain_dealer(outbound_session& s) {
    for (int i = 0; i < 64; ++i) {
      zmq::message_t msg;
      try {
        if (!s.dealer.recv(msg, zmq::recv_flags::dontwait)) return;
      } catch (const zmq::error_t&) {
        return;
      }
      if (!handle_dealer_message(s, msg)) return;  // the session was closed
    }
  }

  // Returns false when `s` was closed (and must not be touched again).
  bool handle_dealer_message(outbound_session& s, const zmq::message_t& msg) {
    if (s.p && s.p->blocked.load()) return true;  // fault injection: dropped
    frame_reader reader(static_cast<const char*>(msg.data()), msg.size(), config.limits);
    while (auto f = reader.next()) {
      auto k = kind_of(*f);
      if (auto* e = std::get_if<decode_error>(&k)) return violation(s, e->what);
      switch (std::get<frame_kind>(k)) {
        case frame_kind::challenge:
          if (!on_challenge(s, *f)) return false;
          break;
        case frame_kind::welcome:
          if (!on_welcome(s)) return false;
          break;
        case frame_kind::reject: {
          auto reason = decode_reject_reason(*f);
          log()->warn("{} refused our connection: {}", s.address, reason);
          if (reason == "wrong cookie" || reason.starts_with("version")) stats.auth_failures.fetch_add(1);
          if (is_name_in_use(reason)) name_in_use(s.address, reason);
          session_failed(s, "rejected: " + reason);
          return false;
        }
        default:
          return violation(s, "unexpected frame on a client connection");
      }
    }
    if (!reader.error().empty()) return violation(s, reader.error());
    return true;
  }

  bool violation(outbound_session& s, const std::string& what) {
    stats.protocol_violations.fetch_add(1);
    limited("protocol violation", s.p ? s.p->node : 0, [&] { log()->warn("protocol violation from {}: {}", s.address, what); });
    session_failed(s, "protocol violation");
    return false;
  }

  bool on_challenge(outbound_session& s, const msgpack::object& f) {
    auto c = decode_challenge(f);
    if (auto* e = std::get_if<decode_error>(&c)) return violation(s, e->what);
    auto& ch = std::get<challenge_frame>(c);
    if (s.state != out_state::hello_sent) return violation(s, "CHALLENGE out of order");
    if (ch.version != protocol_version) {
      stats.auth_failures.fetch_add(1);
      log()->warn("{} speaks protocol {}; we speak {}", s.address, ch.version, protocol_version);
      session_failed(s, "version mismatch");
      return false;
    }
    if (!proofs_equal(ch.server_proof, server_proof(config.cookie, s.client_nonce, ch.server_nonce))) {
      stats.auth_failures.fetch_add(1);
      log()->warn("{} (claiming to be '{}') does not know the cookie; not connecting", s.address, ch.name);
      session_failed(s, "peer failed authentication");
      return false;
    }
    if (ch.name == owner.system_.node_name()) {
      if (ch.creation != owner.system_.creation()) {
        // Another process, knowing the cookie, holds our name at that address.
        name_in_use(s.address, name_in_use_reason(ch.name, s.address));
        session_failed(s, "name in use");
        return false;
      }
      log()->warn("{} is this node itself; not connecting", s.address);
      session_failed(s, "self");
      return false;
    }
    peer& p = owner.peer_named(ch.name);
    if (p.blocked.load()) return true;  // fault injection: the handshake times out
    auto& st = peers[&p];
    if (st.out && st.out != &s) {
      // Another session to this peer exists (it was reached under two addresses): keep one.
      session_failed(s, "duplicate");
      return false;
    }
    if (p.creation.load() != ch.creation) restarted(p);
    s.p = &p;
    st.out = &s;
    st.address = s.address;
    p.creation.store(ch.creation);
    p.reachable.store(true, std::memory_order_release);
    msgpack::sbuffer buf;
    encode_auth(buf, client_proof(config.cookie, s.client_nonce, ch.server_nonce));
    send_on(s, buf);
    s.state = out_state::auth_sent;
    return true;
  }

  bool on_welcome(outbound_session& s) {
    if (s.state != out_state::auth_sent || !s.p) return violation(s, "WELCOME out of order");
    s.state = out_state::up;
    peer& p = *s.p;
    auto& st = peers[&p];
    st.detector = std::make_unique<phi_detector>(config.detector, config.heartbeat_interval);
    heard(st, steady::now());
    st.reconnect = true;
    // Nothing stale is queued: lose() emptied the buffer and its type ids when the last session
    // ended; what is queued now was sent while this session was being set up.
    p.reachable.store(true, std::memory_order_release);
    p.up.store(true, std::memory_order_release);
    stats.handshakes.fetch_add(1);
    log()->log(is_hidden_node(p.name) ? spdlog::level::debug : spdlog::level::info, "connected to node '{}' (creation {}) at {}",
               p.name, p.creation.load(), s.address);
    owner.publish(peer_event{p.name, p.creation.load(), true, {}, s.address});
    return true;
  }

  void session_failed(outbound_session& s, const std::string& reason) {
    peer* p = s.p;
    if (p && p->up.load()) return lose(*p, reason);
    if (p) {
      auto& st = peers[p];
      st.reconnect_at = steady::now() + config.reconnect_interval;
      p->reachable.store(false, std::memory_order_release);
      owner.faults_.drop(p->name);
      stats.dropped_on_loss.fetch_add(p->out.reset());
      p->gate.open();
      // Links and monitors queued while the session was being set up are lost with it: they
      // fire noconnection now (found by the simulation; they used to wait for the next loss).
      p->watches.fire_noconnection(owner.system_);
    }
    close_session(&s);
  }

  // --- inbound (our ROUTER) -----------------------------------------------------------------------------------

  void drain_router() {
    // Bounded in bytes as well as in messages: a batch holds thousands of messages, and decoding
    // 256 of them took the thread from its housekeeping (heartbeats) for longer than the failure
    // detector's patience, so a peer blasting at us declared us lost (remote_bench, issue 14).
    std::size_t taken = 0;
    for (int i = 0; i < 256 && taken < 4 * config.batch_bytes; ++i) {
      zmq::message_t id, msg;
      try {
        if (!router.recv(id, zmq::recv_flags::dontwait)) return;
        if (!id.more() || !router.recv(msg, zmq::recv_flags::dontwait)) continue;
        while (msg.more()) {  // extra parts are not part of the protocol: discard them
          zmq::message_t extra;
          if (!router.recv(extra, zmq::recv_flags::dontwait)) break;
        }
      } catch (const zmq::error_t&) {
        return;
      }
      stats.bytes_in.fetch_add(msg.size(), std::memory_order_relaxed);
      taken += msg.size();
      handle_router_message(id.to_string(), msg);
    }
  }

  void reply(const std::string& id, const msgpack::sbuffer& buf) {
    try {
      router.send(zmq::buffer(id), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
      router.send(zmq::const_buffer(buf.data(), buf.size()), zmq::send_flags::dontwait);
    } catch (const zmq::error_t&) {
      // The peer is gone already (ROUTER_MANDATORY reports it); nothing to tell it.
    }
  }

  void reject(const std::string& id, const std::string& reason) {
    msgpack::sbuffer buf;
    encode_reject(buf, reason);
    reply(id, buf);
    inbound.erase(id);
  }

  void handle_router_message(const std::string& id, const zmq::message_t& msg) {
    if (auto it = inbound.find(id); it != inbound.end() && it->second.p && it->second.p->blocked.load()) return;
    frame_reader reader(static_cast<const char*>(msg.data()), msg.size(), config.limits);
    while (auto f = reader.next()) {
      auto k = kind_of(*f);
      if (auto* e = std::get_if<decode_error>(&k)) return malformed(id, e->what);
      auto it = inbound.find(id);
      auto kind = std::get<frame_kind>(k);
      if (it == inbound.end()) {
        if (kind != frame_kind::hello) return not_authenticated(id);
        on_hello(id, *f);
        continue;
      }
      auto& in = it->second;
      if (!in.authenticated) {
        if (kind != frame_kind::auth || in.contested) return not_authenticated(id);
        if (!on_auth(in, *f)) return;
        continue;
      }
      heard(peers[in.p], steady::now());
      switch (kind) {
        case frame_kind::heartbeat: break;
        case frame_kind::type_def: {
          auto t = in.types.define(*f);
          if (auto* e = std::get_if<decode_error>(&t)) {
            stats.unknown_types.fetch_add(1);
            limited("unknown message type", in.p->node, [&] { log()->warn("from '{}': {}", in.p->name, e->what); });
          }
          break;
        }
        case frame_kind::message: on_message(in, *f); break;
        case frame_kind::bye:
          log()->log(is_hidden_node(in.p->name) ? spdlog::level::debug : spdlog::level::info, "node '{}' is leaving",
                     in.p->name);
          return lose(*in.p, "left");
        default: return malformed(id, "unexpected frame on a server connection");
      }
    }
    if (!reader.error().empty()) malformed(id, reader.error());
  }

  void not_authenticated(const std::string& id) {
    stats.protocol_violations.fetch_add(1);
    limited("unauthenticated frame", 0, [] { log()->debug("frame from an unauthenticated connection; rejected"); });
    reject(id, "not authenticated");
  }

  void malformed(const std::string& id, const std::string& what) {
    stats.malformed_frames.fetch_add(1);
    auto it = inbound.find(id);
    std::string who = it != inbound.end() && it->second.p ? "'" + it->second.p->name + "'" : "an unauthenticated peer";
    peer* p = it != inbound.end() ? it->second.p : nullptr;
    limited("malformed frame", p ? p->node : 0,
            [&] { log()->warn("malformed frame from {}: {}; dropping the connection", who, what); });
    reject(id, "malformed frame");
    if (p && p->up.load()) lose(*p, "malformed frame");
  }

  void on_hello(const std::string& id, const msgpack::object& f) {
    auto h = decode_hello(f);
    if (auto* e = std::get_if<decode_error>(&h)) return malformed(id, e->what);
    auto& hello = std::get<hello_frame>(h);
    if (hello.version != protocol_version) {
      stats.auth_failures.fetch_add(1);
      limited("protocol version", 0, [&] { log()->warn("node '{}' speaks protocol {}; refused", hello.name, hello.version); });
      return reject(id, "version " + std::to_string(protocol_version) + " required");
    }
    bool claims_my_name = hello.name == owner.system_.node_name();
    if (claims_my_name && hello.creation == owner.system_.creation()) {
      stats.auth_failures.fetch_add(1);
      return reject(id, "that is my name");  // we dialled ourselves (our address among the seeds)
    }
    // Another process claiming our name goes on to AUTH: refused there once it proved the cookie.
    if (!claims_my_name && owner.peer_named(hello.name).blocked.load()) return;  // fault injection: as if lost
    inbound_session in;
    in.routing_id = id;
    in.hello = hello;
    in.server_nonce = make_nonce();
    challenge_frame c{protocol_version, owner.system_.node_name(), owner.system_.creation(), in.server_nonce,
                      server_proof(config.cookie, hello.client_nonce, in.server_nonce)};
    msgpack::sbuffer buf;
    encode_challenge(buf, c);
    inbound[id] = std::move(in);
    reply(id, buf);
  }

  bool on_auth(inbound_session& in, const msgpack::object& f) {
    auto a = decode_auth(f);
    std::string id = in.routing_id;
    if (auto* e = std::get_if<decode_error>(&a)) {
      malformed(id, e->what);
      return false;
    }
    if (!proofs_equal(std::get<proof>(a), client_proof(config.cookie, in.hello.client_nonce, in.server_nonce))) {
      stats.auth_failures.fetch_add(1);
      limited("wrong cookie", 0, [&] {
        log()->warn("node '{}' (listening at {}) sent a wrong cookie proof; refused", in.hello.name, in.hello.listen);
      });
      reject(id, "wrong cookie");
      return false;
    }
    if (in.hello.name == owner.system_.node_name()) {
      refuse_duplicate(in, owner.address());
      return false;
    }
    peer& p = owner.peer_named(in.hello.name);
    if (claims_live_member(p, in.hello.creation)) {
      // Another creation of a member that is up: a restart, or a second process under its name.
      // Which one is decided by whether the member is still heard from (decide_contests).
      in.contested = &p;
      in.contested_since = steady::now();
      return true;
    }
    return welcome(in, p);
  }

  /// Whether a newcomer of `creation` claims the name of a member that is up as another creation.
  /// Hidden nodes are clients: a new one simply replaces the old (it is not timed out for 10 s).
  bool claims_live_member(const peer& p, std::uint32_t creation) const {
    return !is_hidden_node(p.name) && p.up.load() && p.creation.load() != creation;
  }

  /// Settles the sessions that claim a live member's name. Heard from since the claim came: the
  /// member lives, the newcomer is a duplicate and is refused — nothing about the member changes.
  /// Lost meanwhile (the failure detector's verdict), or silent for `contest_window`: it is gone,
  /// and the newcomer is its restart, welcomed as before.
  void decide_contests(steady::time_point now) {
    std::vector<std::string> ids;
    for (auto& [id, in] : inbound)
      if (in.contested) ids.push_back(id);
    for (auto& id : ids) {
      auto& in = inbound.at(id);
      peer& p = *in.contested;
      auto& st = peers[&p];
      if (p.up.load() && st.last_heard > in.contested_since) {
        refuse_duplicate(in, st.address);
      } else if (!p.up.load() || now - in.contested_since >= contest_window()) {
        in.contested = nullptr;
        welcome(in, p);
      }
    }
  }

  /// Long enough to hear a live member (it sends at least a heartbeat per heartbeat_interval),
  /// short enough to answer before the newcomer's handshake_timeout.
  [[nodiscard]] steady::duration contest_window() const {
    return std::min<steady::duration>(config.peer_timeout, config.handshake_timeout / 2);
  }

  void refuse_duplicate(inbound_session& in, const std::string& member_address) {
    stats.duplicate_names.fetch_add(1);
    auto reason = name_in_use_reason(in.hello.name, member_address);
    log()->warn("refused node '{}' (creation {}, listening at {}): {}", in.hello.name, in.hello.creation,
                in.hello.listen.empty() ? "nowhere" : in.hello.listen, reason);
    reject(in.routing_id, reason);  // erases `in`
  }

  /// A peer says our name is taken by a live member. A node that is already a member (it has
  /// members up) is the live one and keeps running; a newcomer stops (via on_name_in_use).
  void name_in_use(const std::string& address, const std::string& reason) {
    bool member = std::ranges::any_of(peers, [](auto& kv) { return kv.first->up.load() && !is_hidden_node(kv.first->name); });
    if (member) {
      log()->error("a node at {} claims this node's name '{}'; it should be stopped", address, owner.system_.node_name());
      return;
    }
    log()->error("{}: this node cannot join ({} says so)", reason, address);
    if (told_name_in_use || !config.on_name_in_use) return;
    told_name_in_use = true;
    config.on_name_in_use(reason);
  }

  /// Completes a handshake whose proof was good: the session is authenticated as `p`.
  bool welcome(inbound_session& in, peer& p) {
    std::string id = in.routing_id;
    if (p.creation.load() != in.hello.creation) restarted(p);
    auto& st = peers[&p];
    // The peer lost us and dropped the session we still send on (stalled one way, so we never
    // noticed): everything on it is gone, and so are the peer's links and monitors of ours. End
    // it as a loss, like the peer did, and open a fresh one below — else we keep talking into the
    // stalled connection and the peer loses us again a detector timeout later.
    if (in.hello.dropped_session && st.out && st.out->client_nonce == *in.hello.dropped_session)
      lose(p, "the peer dropped our connection");
    st.dropped_inbound.reset();  // the peer has begun a session of its own: the hint is moot
    if (!st.inbound_id.empty() && st.inbound_id != id) inbound.erase(st.inbound_id);  // its old connection
    in.authenticated = true;
    in.p = &p;
    p.creation.store(in.hello.creation);  // authenticated: its word on its incarnation is good
    p.reachable.store(true, std::memory_order_release);
    st.inbound_id = id;
    if (!st.detector) st.detector = std::make_unique<phi_detector>(config.detector, config.heartbeat_interval);
    heard(st, steady::now());
    if (st.address.empty()) st.address = in.hello.listen;
    msgpack::sbuffer buf;
    encode_welcome(buf);
    reply(id, buf);
    // Talk back on a channel of our own, unless we already have one. A handshake of ours that the
    // peer never answered, begun well before this one, may be stuck in TCP's connect backoff (its
    // SYN lost in a partition that has healed since: the peer then hears nothing from us for
    // seconds and declares us lost again); the peer just proved it is reachable, so start ours
    // afresh. One it answered (CHALLENGE) is merely in progress: restarting it could ping-pong.
    if (st.out && st.out->state == out_state::hello_sent && st.out->started + config.reconnect_interval < in.started)
      close_session(st.out);
    if (!st.out && !in.hello.listen.empty()) open_session(in.hello.listen, &p);
    return true;
  }

  void on_message(inbound_session& in, const msgpack::object& f) {
    auto decoded = decode_message(f, in.types);
    if (auto* e = std::get_if<decode_error>(&decoded)) {
      stats.unknown_types.fetch_add(1);
      limited("unknown message type", in.p->node, [&] { log()->warn("dropped a message from '{}': {}", in.p->name, e->what); });
      return;
    }
    auto& m = std::get<inbound_message>(decoded);
    const pid& from = m.envelope->from;
    if (!from.is_null() && (from.node != in.p->node || from.creation != in.hello.creation)) {
      stats.protocol_violations.fetch_add(1);
      limited("spoofed sender", in.p->node,
              [&] { log()->warn("'{}' sent a message claiming to come from {}; dropped", in.p->name, from.to_string()); });
      return;
    }
    stats.messages_in.fetch_add(1, std::memory_order_relaxed);
    auto& sys = owner.system_;
    pid to = m.to;
    if (!m.to_name.empty()) {
      auto p = sys.whereis(m.to_name);
      if (!p) return sys.bounce_name(m.to_name, std::move(m.envelope));  // a monitor: DOWN noproc
      to = *p;
    }
    if (m.envelope->type->signal) in.p->watches.inbound(to, *m.envelope);
    sys.deliver_local(to, std::move(m.envelope));
  }

  // --- sending ----------------------------------------------------------------------------------------------------

  void flush_all() {
    for (auto& [p, st] : peers)
      if (st.out && st.out->state == out_state::up) flush(*p, *st.out);
  }

  void flush(peer& p, outbound_session& s) {
    std::vector<batch> taken;
    p.out.take(taken);
    if (p.blocked.load()) {  // fault injection: lost on the way
      for (auto& b : taken)
        if (p.out.release(b.bytes.size(), b.messages)) p.gate.open();
      return;
    }
    if (owner.faults_.active()) {  // link faults (tests, netlab without netem): hold, then release when due
      owner.faults_.hold(p.name, taken, steady::now());
      owner.faults_.release_due(p.name, steady::now(), taken);
    }
    for (auto& b : taken) s.blocked.push_back(std::move(b));
    while (!s.blocked.empty()) {
      batch& b = s.blocked.front();
      auto* bytes = new std::string(std::move(b.bytes));
      std::size_t size = bytes->size();
      zmq::message_t msg(bytes->data(), size, [](void*, void* hint) { delete static_cast<std::string*>(hint); }, bytes);
      bool sent = false;
      try {
        sent = s.dealer.send(msg, zmq::send_flags::dontwait).has_value();
      } catch (const zmq::error_t&) {
      }
      if (!sent) {
        b.bytes.assign(static_cast<const char*>(msg.data()), msg.size());  // keep it for the next try
        return;
      }
      stats.messages_out.fetch_add(b.messages, std::memory_order_relaxed);
      stats.bytes_out.fetch_add(size, std::memory_order_relaxed);
      stats.batches_out.fetch_add(1, std::memory_order_relaxed);
      if (p.out.release(size, b.messages)) p.gate.open();  // under the low-water mark: senders go on
      s.last_sent = steady::now();
      s.blocked.pop_front();
    }
  }

  void heard(peer_state& st, steady::time_point now) {
    st.last_heard = now;
    if (st.detector) st.detector->heartbeat(now);
  }

  // --- liveness ---------------------------------------------------------------------------------------------------

  void housekeeping(steady::time_point now) {
    std::vector<peer*> lost;
    for (auto& [p, st] : peers) {
      if (p->up.load() && is_hidden_node(p->name)) {
        // A client (troupectl, a script) is no member: losing it moves nothing, and it says BYE
        // when it ends. Only a long silence means it died; the phi detector's sub-second
        // verdict would cut off operators' commands on a loaded machine.
        if (now - st.last_heard > hidden_peer_timeout) lost.push_back(p);
      } else if (p->up.load() && st.detector) {
        double phi = st.detector->phi(now);
        p->suspect.store(phi >= config.detector.suspect_phi, std::memory_order_relaxed);
        if (phi >= config.detector.threshold || now - st.last_heard > config.peer_timeout) lost.push_back(p);
      }
      if (st.out && st.out->state == out_state::up && st.out->blocked.empty() && !p->blocked.load() &&
          now - st.out->last_sent >= config.heartbeat_interval) {
        msgpack::sbuffer hb;
        encode_heartbeat(hb);
        send_on(*st.out, hb);
      }
    }
    for (peer* p : lost) {
      auto silent_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - peers[p].last_heard).count();
      log()->warn("node '{}' has not been heard from for {} ms; considering it lost", p->name, silent_ms);
      record_detection(static_cast<std::uint64_t>(std::max<std::int64_t>(silent_ms, 0)));
      lose(*p, "timeout");
    }
    std::vector<outbound_session*> stale;
    for (auto& s : sessions)
      if (s->state != out_state::up && now - s->started > config.handshake_timeout) stale.push_back(s.get());
    for (auto* s : stale)
      if (owns(s)) session_failed(*s, "handshake timeout");
    decide_contests(now);
    std::erase_if(inbound, [&](auto& kv) { return !kv.second.authenticated && now - kv.second.started > config.handshake_timeout; });
    for (auto& [p, st] : peers)
      if (!p->up.load() && !st.out && st.reconnect && !st.address.empty() && now >= st.reconnect_at) {
        st.reconnect_at = now + config.reconnect_interval;
        open_session(st.address, p);
      }
  }

  /// Counts a loss decided by the failure detector, and how long the peer had been silent.
  void record_detection(std::uint64_t silent_ms) {
    stats.detections.fetch_add(1, std::memory_order_relaxed);
    stats.detection_ms_sum.fetch_add(silent_ms, std::memory_order_relaxed);
    stats.detection_ms_last.store(silent_ms, std::memory_order_relaxed);
    if (silent_ms > stats.detection_ms_max.load(std::memory_order_relaxed))
      stats.detection_ms_max.store(silent_ms, std::memory_order_relaxed);  // only this thread writes it
  }

  /// The peer has a new incarnation. Up: it is lost ("restarted"). Not up (a handshake was
  /// pending, so no `down` came in between): what was queued for the old incarnation, and the
  /// links and monitors on it, end all the same — sent on, they would reach the new incarnation,
  /// whose DOWN noproc from the old pid on_message drops, and never fire (found by the
  /// simulation, seed 191).
  void restarted(peer& p) {
    if (p.up.load()) return lose(p, "restarted");
    if (p.creation.load() == 0) return;  // never heard of before
    stats.dropped_on_loss.fetch_add(p.out.reset());
    p.gate.open();
    p.watches.fire_noconnection(owner.system_);
  }

  void lose(peer& p, const std::string& reason) {
    p.reachable.store(false, std::memory_order_release);
    bool was_up = p.up.exchange(false, std::memory_order_acq_rel);
    auto& st = peers[&p];
    if (st.out) close_session(st.out);
    if (auto it = inbound.find(st.inbound_id); !st.inbound_id.empty() && it != inbound.end()) {
      st.dropped_inbound = it->second.hello.client_nonce;
      inbound.erase(it);
    }
    st.inbound_id.clear();
    st.detector.reset();
    p.suspect.store(false);
    st.reconnect_at = steady::now() + config.reconnect_interval;
    if (reason == "left") st.reconnect = false;
    owner.faults_.drop(p.name);  // held batches belong to the session that ended (reset counts them)
    stats.dropped_on_loss.fetch_add(p.out.reset());
    p.gate.open();  // suspended senders go on: what they send now is refused as unreachable
    if (!was_up) return;
    if (is_hidden_node(p.name)) {
      stats.hidden_peers_gone.fetch_add(1);
      log()->debug("hidden node '{}' (creation {}) is gone: {}", p.name, p.creation.load(), reason);
    } else {
      stats.peers_lost.fetch_add(1);
      log()->warn("lost node '{}' (creation {}): {}", p.name, p.creation.load(), reason);
    }
    p.watches.fire_noconnection(owner.system_);
    owner.publish(peer_event{p.name, p.creation.load(), false, reason, st.address});
  }

  void shutdown_sessions() {
    msgpack::sbuffer bye;
    encode_bye(bye);
    for (auto& s : sessions) {
      if (s->state != out_state::up) continue;
      flush(*s->p, *s);
      s->dealer.set(zmq::sockopt::linger, 200);
      send_on(*s, bye);
    }
    for (auto& [p, st] : peers) {
      p->reachable.store(false);
      if (p->up.exchange(false)) {
        p->watches.fire_noconnection(owner.system_);
        owner.publish(peer_event{p->name, p->creation.load(), false, "stopped", st.address});
      }
      p->out.reset();
      p->gate.open();
    }
    sessions.clear();
    router.close();
  }
};

io_thread::io_thread(transport& owner) : impl_(std::make_unique<impl>(owner)) {}
io_thread::~io_thread() { stop(); }
result<std::string> io_thread::bind() { return impl_->bind(); }
void io_thread::launch() { impl_->launch(); }
void io_thread::stop() { impl_->stop(); }
void io_thread::wake() noexcept { impl_->wake(); }
bool io_thread::on_this_thread() const noexcept { return std::this_thread::get_id() == impl_->thread.get_id(); }

void io_thread::connect(const std::string& address) {
  {
    std::lock_guard lock(impl_->commands_mutex);
    impl_->connect_requests.push_back(address);
  }
  impl_->notify();
}

}  // namespace troupe::transport
