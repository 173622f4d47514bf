#include "troupe/transport/transport.hpp"

#include "troupe/node/log.hpp"
#include "troupe/node/log_limiter.hpp"
#include "troupe/node/park.hpp"
#include "troupe/node/system_messages.hpp"
#include "troupe/transport/codec.hpp"
#include "troupe/transport/io_thread.hpp"
#include "troupe/transport/node_events.hpp"

namespace troupe::transport {

transport::transport(actor_system& system, transport_config config)
    : system_(system), config_(std::move(config)), io_(std::make_unique<io_thread>(*this)) {}

transport::~transport() { stop(); }

result<void> transport::start() {
  auto bound = io_->bind();
  if (!bound) return std::unexpected(bound.error());
  if (config_.advertise.empty()) {
    config_.advertise = *bound;
    // A wildcard bind is no address to give others: advertise loopback unless told otherwise.
    if (auto pos = config_.advertise.find("0.0.0.0"); pos != std::string::npos) config_.advertise.replace(pos, 7, "127.0.0.1");
  }
  io_->launch();  // only now: the I/O thread reads the advertised address
  system_.set_remote_router(this);
  started_ = true;
  log()->info("node '{}' (creation {}) listening on {}", system_.node_name(), system_.creation(), config_.advertise);
  return {};
}

void transport::stop() {
  if (!io_) return;
  // First no sender may enter route() any more (and those inside have left), then the I/O
  // thread stops: nothing can touch the transport while it is torn down.
  if (started_) system_.set_remote_router(nullptr);
  io_->stop();
}

std::string transport::address() const { return config_.advertise; }

void transport::connect(const std::string& address) { io_->connect(address); }

peer* transport::find_peer(node_index node) const noexcept {
  return node < max_nodes ? by_node_[node].load(std::memory_order_acquire) : nullptr;
}

peer& transport::peer_named(const std::string& name) {
  std::lock_guard lock(peers_mutex_);
  node_index n = intern_node(name);
  if (peer* p = find_peer(n)) return *p;
  peers_.push_back(std::make_unique<peer>(name, config_));
  peer* p = peers_.back().get();
  if (n < max_nodes)
    by_node_[n].store(p, std::memory_order_release);
  else
    log()->error("more than {} node names seen; node '{}' cannot be routed to", max_nodes, name);
  return *p;
}

bool transport::connected(std::string_view node) const {
  peer* p = find_peer(intern_node(node));
  return p && p->up.load(std::memory_order_acquire);
}

bool transport::wait_connected(std::string_view node, duration timeout) const {
  std::unique_lock lock(events_mutex_);
  return events_cv_.wait_for(lock, timeout, [&] { return connected(node); });
}

envelope_ptr transport::route(const pid& to, envelope_ptr e) {
  peer* p = find_peer(to.node);
  if (!p || !p->reachable.load(std::memory_order_acquire)) return unreachable(to, std::move(e));
  if (p->creation.load(std::memory_order_relaxed) != to.creation) return e;  // an older incarnation: dead
  if (!e->type->encode) {
    log()->error("message type '{}' is local-only and cannot be sent to {}", e->type->name, to.to_string());
    return e;
  }
  thread_local msgpack::sbuffer tail;
  tail.clear();
  encode_message_tail(tail, to, *e);
  if (e->type->signal) p->watches.outbound(to, *e);
  if (!enqueue(*p, *e, tail)) return e;
  return nullptr;
}

bool transport::send_to_name(std::string_view node, std::string_view name, envelope_ptr e) {
  return route_to_name(node, name, std::move(e)) == nullptr;
}

envelope_ptr transport::route_to_name(std::string_view node, std::string_view name, envelope_ptr e) {
  peer* p = find_peer(intern_node(node));
  if (!p || !p->reachable.load(std::memory_order_acquire)) {
    stats_.unreachable.fetch_add(1, std::memory_order_relaxed);
    return e;
  }
  if (!e->type->encode) {
    log()->error("message type '{}' is local-only and cannot be sent to '{}' on '{}'", e->type->name, name, node);
    return e;
  }
  thread_local msgpack::sbuffer tail;
  tail.clear();
  encode_message_tail(tail, name, *e);
  if (e->type->signal) p->watches.outbound_to_name(*e);
  if (!enqueue(*p, *e, tail)) return e;
  return nullptr;
}

std::vector<std::string> transport::connected_nodes() const {
  std::lock_guard lock(peers_mutex_);
  std::vector<std::string> out;
  for (auto& p : peers_)
    if (p->up.load(std::memory_order_acquire) && !is_hidden_node(p->name)) out.push_back(p->name);
  return out;
}

bool transport::enqueue(peer& p, const envelope& e, const msgpack::sbuffer& tail) {
  // A busy peer (flow control): a process sends on and is parked after its current message; a
  // plain thread waits before it adds more; the I/O thread, a scheduler thread outside any
  // process (timers) cannot wait, and only the hard bound stops them.
  if (p.out.busy() && !park_current_process(p.gate) && may_block()) {
    if (!p.gate.wait(config_.send_block_timeout, p.reachable) && p.out.busy()) {
      stats_.send_timeouts.fetch_add(1, std::memory_order_relaxed);
      refused(p, e, "stayed busy for the send timeout");
      return false;
    }
  }
  auto outcome = p.out.append(*e.type, tail.data(), tail.size());
  if (!outcome) {
    refused(p, e, "is full");
    return false;
  }
  if (outcome.busy) park_current_process(p.gate);
  wake_io();
  return true;
}

bool transport::may_block() const noexcept {
  return !io_->on_this_thread() && !system_.executor().on_worker_thread();
}

void transport::refused(peer& p, const envelope& e, std::string_view why) {
  stats_.dropped_overload.fetch_add(1, std::memory_order_relaxed);
  static log_limiter lines;
  log_limited(lines, e.type->name, p.node, system_.clock().now(), [&] {
    log()->warn("outbound queue to '{}' {} ({} messages queued); message '{}' refused", p.name, why,
                p.out.queued_messages(), e.type->name);
  });
}

envelope_ptr transport::unreachable(const pid& to, envelope_ptr e) {
  // Like Erlang: a link or monitor to a node we cannot reach fires noconnection at once.
  stats_.unreachable.fetch_add(1, std::memory_order_relaxed);
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

void transport::wake_io() noexcept { io_->wake(); }

void transport::on_peer_event(std::function<void(const peer_event&)> handler) {
  std::lock_guard lock(events_mutex_);
  handlers_.push_back(std::move(handler));
}

void transport::monitor_nodes(const pid& subscriber, bool on) {
  std::lock_guard lock(events_mutex_);
  std::erase(node_monitors_, subscriber);
  if (on) node_monitors_.push_back(subscriber);
}

void transport::publish(const peer_event& ev) {
  std::vector<std::function<void(const peer_event&)>> handlers;
  std::vector<pid> monitors;
  {
    std::lock_guard lock(events_mutex_);
    handlers = handlers_;
    monitors = node_monitors_;
  }
  events_cv_.notify_all();
  for (auto& h : handlers) h(ev);
  for (auto& m : monitors) {
    if (ev.up)
      system_.deliver(m, make_envelope<node_up>(pid{}, node_up{ev.name, ev.creation}));
    else
      system_.deliver(m, make_envelope<node_down>(pid{}, node_down{ev.name, ev.creation, ev.reason}));
  }
}

void transport::set_blocked(std::string_view node, bool blocked) {
  peer_named(std::string(node)).blocked.store(blocked, std::memory_order_release);
  wake_io();
}

std::vector<peer_info> transport::peers() const {
  std::lock_guard lock(peers_mutex_);
  std::vector<peer_info> out;
  for (auto& p : peers_)
    out.push_back(peer_info{p->name, p->creation.load(), p->up.load(), p->suspect.load(), {}, p->out.queued_messages(),
                            p->watches.size(), p->out.queued_bytes(), p->out.busy(), p->gate.parked() + p->gate.blocked(),
                            p->gate.suspensions()});
  return out;
}

}  // namespace troupe::transport
