// The I/O thread: the ZeroMQ pump around the session engine (session.hpp), which decides every
// step of the protocol; this file only moves bytes between the sockets and the engine, sends the
// batches that sending threads queued, and carries out what the engine decides. See
// transport.hpp for the model and docs/PROTOCOL.md for the frames. Only transport/*.cpp include
// zmq.hpp.

#include "troupe/transport/io_thread.hpp"

#include <sodium.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <map>
#include <thread>
#include <zmq.hpp>

#include "troupe/node/log.hpp"
#include "troupe/node/log_limiter.hpp"
#include "troupe/transport/codec.hpp"
#include "troupe/transport/handshake.hpp"
#include "troupe/transport/session.hpp"
#include "troupe/transport/transport.hpp"

namespace troupe::transport {

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
  /// Our DEALER to one peer's ROUTER: the engine's client connection `conn_id`.
  struct dealer {
    zmq::socket_t socket;
    peer* p = nullptr;          // set once the engine says the channel is up
    std::deque<batch> blocked;  // taken from the peer's buffer, refused by ZeroMQ (HWM)
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

  session_engine engine;
  std::vector<session_action> actions_scratch;  // reused: apply() runs once per ZeroMQ message
  std::map<conn_id, dealer> dealers;
  steady::time_point next_housekeeping{};
  static constexpr auto full_poll_period = std::chrono::milliseconds(100);
  steady::time_point next_full_poll{};

  explicit impl(transport& t)
      : owner(t),
        config(t.config_),
        stats(t.stats_),
        engine(session_options{.name = t.system_.node_name(),
                               .creation = t.system_.creation(),
                               .address = {},
                               .make_nonce = {},
                               .blocked = [&t](std::string_view name) {
                                 peer* p = t.find_peer(intern_node(name));
                                 return p && p->blocked.load();
                               },
                               .restart_stuck_handshakes = true},
               t.config_, t.stats_) {
    if (config.curve) curve.emplace(config.cookie);
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

  void launch() {
    engine.set_address(owner.address());  // known now: the owner has advertised it
    thread = std::thread([this] { run(); });
  }

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

  // --- the loop -----------------------------------------------------------------------------------------

  void run() {
    std::vector<zmq::pollitem_t> items;
    std::vector<conn_id> polled;
    while (!stopping.load(std::memory_order_acquire)) {
      take_commands();
      items.clear();
      polled.clear();
      items.push_back({router.handle(), 0, ZMQ_POLLIN, 0});
      items.push_back({nullptr, wake_fd, ZMQ_POLLIN, 0});
      // A channel that is up receives nothing more from the peer's ROUTER but a REJECT (the peer
      // dropped us), which can wait a little: such dealers are polled every `full_poll_period`
      // only, so a wake-up costs the same whatever the number of peers (issue 19). Dealers in
      // their handshake, or with batches ZeroMQ refused (POLLOUT), are polled every time.
      const bool full = steady::now() >= next_full_poll;
      if (full) next_full_poll = steady::now() + full_poll_period;
      for (auto& [id, d] : dealers) {
        if (!full && d.p && d.blocked.empty()) continue;
        items.push_back({d.socket.handle(), 0, static_cast<short>(ZMQ_POLLIN | (d.blocked.empty() ? 0 : ZMQ_POLLOUT)), 0});
        polled.push_back(id);
      }
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
      std::vector<conn_id> readable;
      for (std::size_t i = 2; i < items.size(); ++i)
        if (items[i].revents & ZMQ_POLLIN) readable.push_back(polled[i - 2]);
      if (items[0].revents & ZMQ_POLLIN) drain_router();
      for (auto id : readable) drain_dealer(id);
      flush_all();
      auto now = steady::now();
      if (now >= next_housekeeping) {
        engine.housekeeping(now);
        apply();
        next_housekeeping = now + std::chrono::milliseconds(10);
      }
    }
    shutdown_sessions();
  }

  bool work_pending() {
    for (auto& [id, d] : dealers)
      if (d.p && (!d.p->out.empty() || !d.blocked.empty())) return true;
    std::lock_guard lock(commands_mutex);
    return !connect_requests.empty();
  }

  void take_commands() {
    std::vector<std::string> requests;
    {
      std::lock_guard lock(commands_mutex);
      requests.swap(connect_requests);
    }
    for (auto& a : requests) engine.connect(a, steady::now());
    apply();
  }

  // --- what the engine decided ----------------------------------------------------------------------------

  /// Carries out the engine's actions in order (an action may make the engine produce more).
  void apply() {
    // The scratch vector keeps its capacity between calls; a nested call (a peer-event handler
    // that connects) finds it moved out and starts with an empty one.
    std::vector<session_action> batch;
    batch.swap(actions_scratch);
    while (engine.take_actions(batch))
      for (auto& a : batch) std::visit([this](auto& x) { on(x); }, a);
    actions_scratch.swap(batch);
  }

  void on(action::dial& a) {
    dealer d;
    try {
      d.socket = zmq::socket_t(ctx, zmq::socket_type::dealer);
      d.socket.set(zmq::sockopt::routing_id, random_id());
      d.socket.set(zmq::sockopt::linger, 0);
      // Retry a TCP connect that got no answer every second rather than after the kernel's SYN
      // backoff (1, 3, 7 s...): after a partition heals, the peers meet again within a second.
      d.socket.set(zmq::sockopt::connect_timeout, static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                      config.handshake_timeout / 3).count()));
      d.socket.set(zmq::sockopt::sndhwm, 64);
      d.socket.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(config.limits.max_message_bytes));
      if (curve) {
        d.socket.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(curve->server_public.data(), 32));
        d.socket.set(zmq::sockopt::curve_publickey, zmq::const_buffer(curve->client_public.data(), 32));
        d.socket.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(curve->client_secret.data(), 32));
      }
      d.socket.connect(a.address);
    } catch (const zmq::error_t& ex) {
      log()->warn("cannot connect to {}: {}", a.address, ex.what());
      engine.client_broken(a.conn, "cannot connect", steady::now());
      return;
    }
    send_on(d, a.hello);
    dealers.emplace(a.conn, std::move(d));
  }

  void on(action::send& a) {
    auto it = dealers.find(a.conn);
    // A heartbeat behind batches ZeroMQ refused would say nothing new: the pipe is full.
    if (it == dealers.end() || !it->second.blocked.empty()) return;
    if (send_on(it->second, a.bytes) && it->second.p) engine.sent(a.conn, steady::now());
  }

  void on(action::close& a) { dealers.erase(a.conn); }

  void on(action::reply& a) {
    try {
      router.send(zmq::buffer(a.to), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
      router.send(zmq::const_buffer(a.bytes.data(), a.bytes.size()), zmq::send_flags::dontwait);
    } catch (const zmq::error_t&) {
      // The peer is gone already (ROUTER_MANDATORY reports it); nothing to tell it.
    }
  }

  void on(action::status& a) {
    peer& p = owner.peer_named(a.peer);
    p.creation.store(a.creation, std::memory_order_release);
    p.up.store(a.up, std::memory_order_release);
    p.reachable.store(a.reachable, std::memory_order_release);
    p.suspect.store(a.suspect, std::memory_order_relaxed);
  }

  void on(action::up& a) {
    peer& p = owner.peer_named(a.peer);
    if (auto it = dealers.find(a.conn); it != dealers.end()) it->second.p = &p;
    owner.publish(peer_event{a.peer, a.creation, true, {}, a.address});
  }

  void on(action::dropped& a) {
    peer& p = owner.peer_named(a.peer);
    owner.faults_.drop(p.name);  // held batches belong to the session that ended (reset counts them)
    auto tally = p.out.reset();
    stats.dropped_on_loss.fetch_add(tally.dropped);
    stats.unconfirmed_at_loss.fetch_add(tally.unconfirmed(a.confirmed));
    p.gate.open();  // suspended senders go on: what they send now is refused as unreachable
    if (a.end_watches) p.watches.fire_noconnection(owner.system_);
    if (a.was_up) owner.publish(peer_event{a.peer, a.creation, false, a.reason, a.address});
  }

  void on(action::deliver& a) {
    peer* from = owner.find_peer(a.node);
    auto& m = a.message;
    auto& sys = owner.system_;
    pid to = m.to;
    if (!m.to_name.empty()) {
      auto p = sys.whereis(m.to_name);
      if (!p) return sys.bounce_name(m.to_name, std::move(m.envelope));  // a monitor: DOWN noproc
      to = *p;
    }
    if (from && m.envelope->type->signal) from->watches.inbound(to, *m.envelope);
    sys.deliver_local(to, std::move(m.envelope));
  }

  void on(action::name_in_use& a) {
    if (config.on_name_in_use) config.on_name_in_use(a.reason);
  }

  // --- sockets ------------------------------------------------------------------------------------------------

  bool send_on(dealer& d, const std::string& bytes) {
    try {
      return d.socket.send(zmq::const_buffer(bytes.data(), bytes.size()), zmq::send_flags::dontwait).has_value();
    } catch (const zmq::error_t&) {
      return false;
    }
  }

  void drain_dealer(conn_id id) {
    for (int i = 0; i < 64; ++i) {
      auto it = dealers.find(id);
      if (it == dealers.end()) return;  // the engine closed it
      zmq::message_t msg;
      try {
        if (!it->second.socket.recv(msg, zmq::recv_flags::dontwait)) return;
      } catch (const zmq::error_t&) {
        return;
      }
      engine.on_client_bytes(id, {static_cast<const char*>(msg.data()), msg.size()}, steady::now());
      apply();
    }
  }

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
      engine.on_accepted_bytes(id.to_string(), {static_cast<const char*>(msg.data()), msg.size()}, steady::now());
      apply();
    }
  }

  // --- sending ----------------------------------------------------------------------------------------------------

  void flush_all() {
    for (auto& [id, d] : dealers)
      if (d.p) flush(id, d);
  }

  void flush(conn_id id, dealer& d) {
    peer& p = *d.p;
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
    for (auto& b : taken) d.blocked.push_back(std::move(b));
    bool any = false;
    while (!d.blocked.empty()) {
      batch& b = d.blocked.front();
      auto* bytes = new std::string(std::move(b.bytes));
      std::size_t size = bytes->size();
      zmq::message_t msg(bytes->data(), size, [](void*, void* hint) { delete static_cast<std::string*>(hint); }, bytes);
      bool sent = false;
      try {
        sent = d.socket.send(msg, zmq::send_flags::dontwait).has_value();
      } catch (const zmq::error_t&) {
      }
      if (!sent) {
        b.bytes.assign(static_cast<const char*>(msg.data()), msg.size());  // keep it for the next try
        break;
      }
      stats.messages_out.fetch_add(b.messages, std::memory_order_relaxed);
      stats.bytes_out.fetch_add(size, std::memory_order_relaxed);
      stats.batches_out.fetch_add(1, std::memory_order_relaxed);
      p.out.handed(b.messages);
      if (p.out.release(size, b.messages)) p.gate.open();  // under the low-water mark: senders go on
      d.blocked.pop_front();
      any = true;
    }
    if (any) engine.sent(id, steady::now());
  }

  void shutdown_sessions() {
    flush_all();
    for (auto& [id, d] : dealers)
      if (d.p) d.socket.set(zmq::sockopt::linger, 200);
    engine.shutdown();  // BYE on every channel that is up; every peer is dropped
    apply();
    dealers.clear();
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
