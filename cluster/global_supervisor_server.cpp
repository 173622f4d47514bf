#include "troupe/cluster/global_supervisor_server.hpp"

#include <algorithm>

#include "troupe/cluster/global_snapshot.hpp"
#include "troupe/cluster/node.hpp"
#include "troupe/node/actor_factory.hpp"
#include "troupe/node/log.hpp"
#include "troupe/transport/phi_detector.hpp"

namespace troupe::gs {
namespace {


std::uint64_t wall_us(const clock& time) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(time.wall_now().time_since_epoch()).count());
}

}  // namespace

duration default_takeover_grace(const transport::transport_config& c) {
  const duration slack = 2 * c.heartbeat_interval + std::chrono::milliseconds(50);
  return std::max(c.peer_timeout - transport::phi_detector::earliest_loss(c.detector) + slack, slack);
}

std::uint64_t shared_state::next_version() noexcept {
  auto last = clock.load(std::memory_order_relaxed);
  std::uint64_t v;
  do v = std::max(wall_us(*time), last + 1);
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
  grace_ = options_.takeover_grace > duration{0} ? options_.takeover_grace : default_takeover_grace(n.network().config());
  if (!options_.placement) options_.placement = uniform_placement();
}

behavior server::make_behavior() {
  if (auto r = system().register_name(options_.server_name, self()); !r)
    log()->error("global supervisor: cannot register '{}': {}", options_.server_name, r.error().message());
  subscribe();
  refresh_types();
  settle_until_ = system().clock().now() + grace_;
  fresh_until_ = settle_until_;
  schedule_tick();
  return {
      [this](const submit& s) { on_submit(s.record); },
      [this](const put& p) { on_put(p.record); },
      [this](const sync& s) { on_sync(s); },
      [this](const report& r) { on_report(r); },
      [this](const member_event& e) { on_member(e); },
      [this](const down_msg& d) { on_down(d); },
      [this](const tick& t) { on_tick(t); },
      [this](const reconcile_now&) {
        reconcile_pending_ = false;
        reconcile();
      },
      [this](const drain_notice& d) { on_drain_notice(d.from); },
      [this](const view_notice& v) {
        if (!up_.contains(v.from)) return;
        peer_views_[v.from] = v.view;
        request_reconcile();
      },
      [this](const begin_drain&) { on_begin_drain(); },
      [this](const global_snapshot& s) { on_save_snapshot(sender(), s.state); },
      [this](const snapshot_put& s) { on_snapshot_put(s); },
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
  request_reconcile();
}

void server::on_put(const child_record& r) {
  if (merge(r)) request_reconcile();
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
  if (s.draining) draining_peers_.insert(s.from);
  peer_views_[s.from] = s.view;
  peer_types_[s.from] = s.types;
  auto& theirs = reports_[s.from];
  theirs.clear();
  for (auto& r : s.reports) theirs[r.id] = r;
  synced_.insert(s.from);
  if (s.reply) send_sync(s.from, false);
  request_reconcile();
}

void server::on_report(const report& r) {
  if (!fresh(r.from, r.seq)) return;
  if (r.child.running) orphaned_.erase(r.child.id);  // taken over elsewhere: not a failover here
  if (r.child.running || r.child.failed)
    reports_[r.from][r.child.id] = r.child;
  else if (auto it = reports_.find(r.from); it != reports_.end())
    it->second.erase(r.child.id);
  request_reconcile();
}

void server::on_member(const member_event& e) {
  if (e.name == me_) return request_reconcile();
  // A peer lost before its sync arrived may have run any child (this node never learnt what):
  // none starts before the grace, as if it had reported them all (found by the simulation: a
  // node resuming from a pause declared a peer it had not synced with lost, and at once started
  // the children that peer ran).
  if (e.state == "down" && up_.contains(e.name) && !synced_.contains(e.name))
    unknown_until_ = system().clock().now() + grace_;
  // A peer (back) up counts again only once the sync asked for below arrives: what came from it
  // while it was not up here (over its own connection, while ours to it was down) may be from an
  // incarnation that has died since, and a stale sequence number would make this node ignore
  // the new one (found by the simulation: a node never learnt what a restarted peer ran).
  if (e.state == "up" && !up_.contains(e.name)) forget_node(e.name, false);
  // Own copy of membership, as of the events handled so far: the shared view may already show
  // a loss whose event (and its hold on the lost node's children) is still queued here.
  if (e.state == "up" || e.state == "suspect") up_.insert(e.name);
  else up_.erase(e.name);
  if (e.state == "left") left_.insert(e.name);
  else left_.erase(e.name);
  known_.insert(e.name);
  if (e.state == "up") send_sync(e.name, true);  // its server may have missed ours: ask back
  if (e.state == "down" || e.state == "left") forget_node(e.name, e.state == "down");
  // A new incarnation (or a healed peer) says again whether it drains, in its sync.
  if (e.state != "up" && e.state != "suspect") draining_peers_.erase(e.name);
  if (e.state == "up") replicate_snapshots();  // the successor of some child may have changed
  request_reconcile();
}

void server::on_down(const down_msg& d) {
  for (auto& [id, c] : local_)
    if (c.ref == d.ref) return child_exited(id, c, d.reason);
}

/// Events come in bursts (a sync, reports of thousands of children): one reconcile after the
/// burst, not one per event, which would cost O(children) each. The request queues behind the
/// events already in the mailbox.
void server::request_reconcile() {
  if (reconcile_pending_) return;
  reconcile_pending_ = true;
  send(self(), reconcile_now{});
}

void server::schedule_tick() {
  const auto deadline = system().clock().now() + options_.tick;
  system().start_timer(deadline, [sys = &system(), me = self(), deadline] {
    sys->deliver(me, make_envelope<tick>(pid{}, tick{deadline, sys->clock().now()}));
  });
}

void server::on_tick(const tick& t) {
  subscribe();
  refresh_types();
  auto now = system().clock().now();
  detect_stall(t.fired - t.deadline, now);
  std::erase_if(lost_at_, [&](auto& kv) { return kv.second + grace_ <= now; });
  std::erase_if(hold_until_, [&](auto& kv) { return kv.second <= now; });
  // A sync sent before the peer's server was registered was lost: ask again until it answers.
  // Anti-entropy: now and then every peer gets the full state, repairing any lost update.
  const bool everyone = ++ticks_ % 10 == 0;
  for (auto& peer : up_)
    if (everyone || !synced_.contains(peer)) send_sync(peer, !synced_.contains(peer));
  for (auto& [id, c] : local_) register_child_name(id, c, true);
  reconcile();
  schedule_tick();
}

/// Stalled (SIGSTOP, swapped out): peers may have declared this node lost and started its
/// children. Stop them now and start nothing until fresh syncs say what runs where.
void server::detect_stall(duration late, time_point now) {
  // Peers start this node's children no sooner than the earliest possible detection plus the
  // grace after it went silent: a shorter stall is harmless (and a loaded machine makes short
  // ones). One tick of slack for where in the tick period the stall began.
  const auto harmless = transport::phi_detector::earliest_loss(node_.network().config().detector) + grace_ - options_.tick;
  const auto threshold = options_.stall_threshold > duration{0} ? options_.stall_threshold : harmless;
  if (late <= threshold) return;
  log()->warn("global supervisor: this node was stalled for {} ms; stopping its {} global children until it resyncs",
              std::chrono::duration_cast<std::chrono::milliseconds>(late).count(), local_.size());
  for (auto& [id, c] : local_)
    if (!c.stopping) stop_local(c);
  synced_.clear();
  settle_until_ = now + grace_;
}

void server::on_drain_notice(const std::string& from) {
  draining_peers_.insert(from);
  request_reconcile();
}

void server::on_begin_drain() {
  if (!draining_) log()->info("global supervisor: draining {} global children", local_.size());
  draining_ = true;
  for (auto& peer : up_) node_.network().send_to_name(peer, options_.server_name, make_envelope<drain_notice>(self(), drain_notice{me_}));
  request_reconcile();
}

// --- snapshots ------------------------------------------------------------------------------------

void server::on_save_snapshot(const pid& from, std::vector<char> state) {
  auto it = std::find_if(local_.begin(), local_.end(), [&](auto& kv) { return kv.second.child == from; });
  if (it == local_.end()) return;  // not (or no longer) a global child of this node
  log()->debug("global child '{}' saved a snapshot ({} bytes)", it->first, state.size());
  auto& snap = snapshots_[it->first];
  snap.version = shared_->next_version();
  snap.state = std::move(state);
  snap.sent_to.clear();
  share_snapshot(it->first, &snap.state);
  replicate_snapshots();
}

void server::on_snapshot_put(const snapshot_put& s) {
  shared_->observe(s.version);
  auto& snap = snapshots_[s.id];
  if (s.version <= snap.version) return;
  snap.version = s.version;
  snap.state = s.state;
  snap.sent_to.clear();
  log()->debug("global child '{}': snapshot received ({} bytes)", s.id, s.state.size());
  share_snapshot(s.id, &snap.state);
}

void server::share_snapshot(const std::string& id, const std::vector<char>* state) {
  std::lock_guard lock(shared_->mutex);
  if (state) shared_->snapshots[id] = *state;
  else shared_->snapshots.erase(id);
}

std::optional<std::string> server::successor(const child_record& r) const {
  auto others = placement_view(view());
  std::erase(others, me_);
  return owner(r, others);
}

/// Sends each local child's newest snapshot to its successor, unless that node has it already.
void server::replicate_snapshots() {
  for (auto& [id, c] : local_) {
    auto snap = snapshots_.find(id);
    auto spec = specs_.find(id);
    if (snap == snapshots_.end() || spec == specs_.end()) continue;
    auto next = successor(spec->second);
    if (!next || snap->second.sent_to == *next) continue;
    node_.network().send_to_name(*next, options_.server_name,
                                 make_envelope<snapshot_put>(self(), snapshot_put{id, snap->second.version, snap->second.state}));
    snap->second.sent_to = *next;
    log()->debug("global child '{}': snapshot sent to {}", id, *next);
  }
}

// --- replication -----------------------------------------------------------------------------------

bool server::merge(const child_record& r) {
  shared_->observe(r.version);
  auto it = specs_.find(r.id);
  if (it != specs_.end() && !newer(r, it->second)) return false;
  specs_[r.id] = r;
  if (r.removed && snapshots_.erase(r.id)) share_snapshot(r.id, nullptr);
  failed_.erase(r.id);  // a new version of the spec gets a fresh chance
  return true;
}

void server::broadcast_record(const child_record& r) {
  for (auto& peer : up_) node_.network().send_to_name(peer, options_.server_name, make_envelope<put>(self(), put{r}));
}

void server::broadcast_report(const child_report& r) {
  for (auto& peer : up_)
    node_.network().send_to_name(peer, options_.server_name, make_envelope<report>(self(), report{me_, r, ++seq_}));
}

void server::send_sync(const std::string& to, bool reply) {
  sync s{me_, {}, own_reports(), reply, ++seq_, draining_, view(), types_};
  for (auto& [id, r] : specs_) s.records.push_back(r);
  node_.network().send_to_name(to, options_.server_name, make_envelope<sync>(self(), std::move(s)));
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

void server::refresh_types() {
  auto now = options_.hosted_types ? *options_.hosted_types : actor_types();
  std::sort(now.begin(), now.end());
  if (now == types_) return;
  types_ = std::move(now);
  for (auto& peer : up_) send_sync(peer, false);
  request_reconcile();
}

void server::forget_node(const std::string& name, bool lost) {
  synced_.erase(name);
  peer_views_.erase(name);
  last_seq_.erase(name);  // its next incarnation counts from zero
  auto now = system().clock().now();
  if (lost) {
    lost_at_[name] = now;
    // What it ran may still run (it may be cut off, not dead): not before the grace.
    if (auto it = reports_.find(name); it != reports_.end())
      for (auto& [id, r] : it->second)
        if (r.running) {
          hold_until_[id] = now + grace_;
          orphaned_.insert(id);
        }
  }
  reports_.erase(name);
}

}  // namespace troupe::gs
