#include "cluster/global_supervisor_server.hpp"

#include <algorithm>

#include "cluster/node.hpp"
#include "node/actor_factory.hpp"
#include "node/log.hpp"

namespace troupe::gs {
namespace {


std::uint64_t wall_us() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

}  // namespace

std::uint64_t shared_state::next_version() noexcept {
  auto last = clock.load(std::memory_order_relaxed);
  std::uint64_t v;
  do v = std::max(wall_us(), last + 1);
  while (!clock.compare_exchange_weak(last, v, std::memory_order_relaxed));
  return v;
}

void shared_state::observe(std::uint64_t v) noexcept {
  auto last = clock.load(std::memory_order_relaxed);
  while (last < v && !clock.compare_exchange_weak(last, v, std::memory_order_relaxed)) {
  }
}

bool newer(const child_record& a, const child_record& b) noexcept {
  return a.version != b.version ? a.version > b.version : a.origin > b.origin;
}

server::server(node& n, global_supervisor_options options, std::shared_ptr<shared_state> shared)
    : node_(n), options_(std::move(options)), shared_(std::move(shared)), me_(n.name()) {
  grace_ = options_.takeover_grace > duration{0} ? options_.takeover_grace : n.net().config().peer_timeout;
  if (!options_.placement) options_.placement = uniform_placement();
}

behavior server::make_behavior() {
  if (auto r = system().register_name(options_.server_name, self()); !r)
    log()->error("global supervisor: cannot register '{}': {}", options_.server_name, r.error().message());
  subscribe();
  settle_until_ = system().clock().now() + grace_;
  send_after(self(), options_.tick, tick{});
  return {
      [this](const submit& s) { on_submit(s.record); },
      [this](const put& p) { on_put(p.record); },
      [this](const sync& s) { on_sync(s); },
      [this](const report& r) { on_report(r); },
      [this](const member_event& e) { on_member(e); },
      [this](const down_msg& d) { on_down(d); },
      [this](const tick&) { on_tick(); },
  };
}

/// The membership process may not have registered its name yet when this server starts: the
/// tick tries again until it has.
void server::subscribe() {
  if (subscribed_) return;
  if (auto m = system().whereis("troupe.membership")) {
    send(*m, subscribe_members{self()});
    subscribed_ = true;
  }
}

void server::on_exit(const exit_reason&) {
  for (auto& [id, c] : local_)
    if (c.child) exit(c.child, exit_reason::shutdown());
}

// --- handlers ------------------------------------------------------------------------------------

void server::on_submit(const child_record& r) {
  if (merge(r)) broadcast_record(specs_[r.id]);
  reconcile();
}

void server::on_put(const child_record& r) {
  if (merge(r)) reconcile();
}

/// Whether a sync or report from `from` is newer than all seen from it: an older one (a copy
/// that took another path, or a periodic sync overtaken by a report) must not undo a newer one.
bool server::fresh(const std::string& from, std::uint64_t seq) {
  auto& last = last_seq_[from];
  if (seq <= last) return false;
  last = seq;
  return true;
}

void server::on_sync(const sync& s) {
  for (auto& r : s.records) merge(r);
  if (!fresh(s.from, s.seq)) {
    if (s.reply) send_sync(s.from, false);
    return;
  }
  auto& theirs = reports_[s.from];
  theirs.clear();
  for (auto& r : s.reports) theirs[r.id] = r;
  synced_.insert(s.from);
  if (s.reply) send_sync(s.from, false);
  reconcile();
}

void server::on_report(const report& r) {
  if (!fresh(r.from, r.seq)) return;
  if (r.child.running || r.child.failed)
    reports_[r.from][r.child.id] = r.child;
  else if (auto it = reports_.find(r.from); it != reports_.end())
    it->second.erase(r.child.id);
  reconcile();
}

void server::on_member(const member_event& e) {
  if (e.name == me_) return reconcile();
  // Own copy of membership, as of the events handled so far: the shared view may already show
  // a loss whose event (and its hold on the lost node's children) is still queued here.
  if (e.state == "up" || e.state == "suspect") up_.insert(e.name);
  else up_.erase(e.name);
  if (e.state == "left") left_.insert(e.name);
  else left_.erase(e.name);
  known_.insert(e.name);
  if (e.state == "up") send_sync(e.name, true);  // its server may have missed ours: ask back
  if (e.state == "down" || e.state == "left") forget_node(e.name, e.state == "down");
  reconcile();
}

void server::on_down(const down_msg& d) {
  for (auto& [id, c] : local_)
    if (c.ref == d.ref) return child_exited(id, c, d.reason);
}

void server::on_tick() {
  subscribe();
  auto now = system().clock().now();
  std::erase_if(lost_at_, [&](auto& kv) { return kv.second + grace_ <= now; });
  std::erase_if(hold_until_, [&](auto& kv) { return kv.second <= now; });
  // A sync sent before the peer's server was registered was lost: ask again until it answers.
  // Anti-entropy: now and then every peer gets the full state, repairing any lost update.
  const bool everyone = ++ticks_ % 10 == 0;
  for (auto& peer : up_)
    if (everyone || !synced_.contains(peer)) send_sync(peer, !synced_.contains(peer));
  reconcile();
  send_after(self(), options_.tick, tick{});
}

// --- replication -----------------------------------------------------------------------------------

bool server::merge(const child_record& r) {
  shared_->observe(r.version);
  auto it = specs_.find(r.id);
  if (it != specs_.end() && !newer(r, it->second)) return false;
  specs_[r.id] = r;
  failed_.erase(r.id);  // a new version of the spec gets a fresh chance
  return true;
}

void server::broadcast_record(const child_record& r) {
  for (auto& peer : up_) node_.net().send_to_name(peer, options_.server_name, make_envelope<put>(self(), put{r}));
}

void server::broadcast_report(const child_report& r) {
  for (auto& peer : up_)
    node_.net().send_to_name(peer, options_.server_name, make_envelope<report>(self(), report{me_, r, ++seq_}));
}

void server::send_sync(const std::string& to, bool reply) {
  sync s{me_, {}, own_reports(), reply, ++seq_};
  for (auto& [id, r] : specs_) s.records.push_back(r);
  node_.net().send_to_name(to, options_.server_name, make_envelope<sync>(self(), std::move(s)));
}

std::vector<child_report> server::own_reports() const {
  std::vector<child_report> out;
  for (auto& [id, c] : local_) out.push_back(report_of(id));
  for (auto& id : failed_) out.push_back(report_of(id));
  return out;
}

child_report server::report_of(const std::string& id) const {
  child_report r{.id = id};
  if (auto s = specs_.find(id); s != specs_.end()) r.name = s->second.name;
  if (auto it = local_.find(id); it != local_.end()) {
    r.child = it->second.child;
    r.restarts = it->second.restarts;
    r.running = true;
    r.moved_at_ms = it->second.moved_at_ms;
  }
  r.failed = failed_.contains(id);
  return r;
}

void server::forget_node(const std::string& name, bool lost) {
  synced_.erase(name);
  last_seq_.erase(name);  // its next incarnation counts from zero
  auto now = system().clock().now();
  if (lost) {
    lost_at_[name] = now;
    // What it ran may still run (it may be cut off, not dead): not before the grace.
    if (auto it = reports_.find(name); it != reports_.end())
      for (auto& [id, r] : it->second)
        if (r.running) hold_until_[id] = now + grace_;
  }
  reports_.erase(name);
}

}  // namespace troupe::gs
