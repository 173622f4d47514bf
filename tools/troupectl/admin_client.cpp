#include "tools/troupectl/admin_client.hpp"

#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>

#include "troupe/ops/admin.hpp"

namespace troupe::ctl {
namespace {

/// Ping retries: a lost ping costs at most this much of the deadline. Each retry waits twice
/// as long as the one before, so a link slower than this (an answer arriving after the attempt
/// gave up is ignored) is still reached: with a fixed wait, a 200 ms round trip never was.
constexpr auto ping_interval = std::chrono::milliseconds(200);

std::string seconds_text(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

}  // namespace

/// Peers that came up, by the address we dialled (filled on the transport's I/O thread).
struct admin_client::peer_watch {
  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::string, target> up;
};

admin_client::admin_client(client_options options)
    : options_(std::move(options)), peers_(std::make_shared<peer_watch>()) {}

admin_client::~admin_client() {
  self_.reset();
  if (system_) system_->shutdown(std::chrono::milliseconds(500));
  if (net_) net_->stop();
  net_.reset();
  system_.reset();
}

result<void> admin_client::start() {
  auto name = "~troupectl-" + std::to_string(::getpid());
  system_ = std::make_unique<actor_system>(actor_system_config{.node_name = name, .threads = 1});
  auto cfg = transport::transport_config::defaults();
  // A command gives up on its node after its own timeout, not after the detector's sub-second
  // verdict: on a loaded machine that cut commands off while the node was merely slow.
  cfg.detector.acceptable_pause = options_.timeout;
  cfg.peer_timeout = options_.timeout + std::chrono::seconds(1);
  cfg.listen = options_.listen;
  cfg.cookie = options_.cookie;
  net_ = std::make_unique<transport::transport>(*system_, cfg);
  net_->on_peer_event([w = peers_](const transport::peer_event& ev) {
    if (!ev.up) return;
    std::lock_guard lock(w->mutex);
    w->up[ev.address] = target{ev.address, ev.name, ev.creation};
    w->changed.notify_all();
  });
  if (auto r = net_->start(); !r) return r;
  self_ = std::make_unique<scoped_actor>(*system_);
  return {};
}

std::string admin_client::no_answer(const std::string& address) const {
  return "no answer from " + address + " within " + seconds_text(options_.timeout);
}

result<target> admin_client::connect(const std::string& address) {
  auto t = wait_up(address);
  if (!t) return t;
  if (auto r = ping_until_answered(*t); !r) return std::unexpected(r.error());
  return t;
}

/// Waits for the transport to report `address` up, watching for a refused handshake meanwhile.
/// The refusal has no event of its own, only a counter, hence the wait in short slices.
result<target> admin_client::wait_up(const std::string& address) {
  auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  auto refused_before = net_->stats().auth_failures.load();
  net_->connect(address);
  std::unique_lock lock(peers_->mutex);
  for (;;) {
    if (auto it = peers_->up.find(address); it != peers_->up.end()) return it->second;
    if (net_->stats().auth_failures.load() != refused_before)
      return fail(errc::unauthorized, "the node at " + address + " refused our cookie");
    if (std::chrono::steady_clock::now() >= deadline) return fail(errc::timeout, no_answer(address));
    peers_->changed.wait_for(lock, std::chrono::milliseconds(50));
  }
}

result<void> admin_client::ping_until_answered(target& t) {
  auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  duration attempt = ping_interval;
  for (; std::chrono::steady_clock::now() < deadline; attempt *= 2) {
    auto left = std::chrono::duration_cast<duration>(deadline - std::chrono::steady_clock::now());
    auto pong = call_raw(t, make_envelope<admin_ping>(pid{}), std::min<duration>(attempt, left));
    if (pong && holds<admin_pong>(**pong)) return {};
    if (!pong && pong.error() != errc::timeout) return std::unexpected(pong.error());
  }
  return fail(errc::timeout, "the node at " + t.address + " (" + t.name +
                                 ") is connected but its admin process (troupe.admin) did not answer within " +
                                 seconds_text(options_.timeout));
}

result<envelope_ptr> admin_client::call_raw(const target& t, envelope_ptr req, duration timeout) {
  ref_id ref = system_->make_ref();
  req->from = self_->self();
  req->correlation = ref;
  if (!net_->send_to_name(t.name, admin_process_name, std::move(req)))
    return fail(errc::noconnection, "lost the connection to " + t.address);
  const auto want = ref | envelope::reply_bit;
  auto e = (*self_)->receive_if([&](const envelope& x) { return x.correlation == want; }, timeout);
  if (!e) return fail(errc::timeout, no_answer(t.address));
  return e;
}

result<pid> admin_client::spawn(const target& t, const std::string& type, const packed_value& args) {
  auto r = spawn_by_name(**self_, spawner_of(t.name, t.creation), type, args.bytes, {}, options_.timeout);
  if (!r) return std::unexpected(r.error());
  return r->child;
}

}  // namespace troupe::ctl
