#include "troupe/cluster/global_supervisor_server.hpp"

#include <algorithm>

#include "troupe/cluster/global_snapshot.hpp"
#include "troupe/cluster/membership.hpp"
#include "troupe/cluster/cluster_node.hpp"
#include "troupe/node/actor_factory.hpp"
#include "troupe/node/log.hpp"
#include "troupe/transport/phi_detector.hpp"

namespace troupe::gs {
namespace {

global_supervisor_options with_defaults(global_supervisor_options o) {
  if (!o.placement) o.placement = uniform_placement();
  return o;
}

}  // namespace

duration default_takeover_grace(const transport::transport_config& c) {
  const duration slack = 2 * c.heartbeat_interval + std::chrono::milliseconds(50);
  return std::max(c.peer_timeout - transport::phi_detector::earliest_loss(c.detector) + slack, slack);
}

server::server(cluster_node& n, global_supervisor_options options, std::shared_ptr<shared_state> shared)
    : node_(n),
      options_(with_defaults(std::move(options))),
      shared_(std::move(shared)),
      me_(n.name()),
      grace_(options_.takeover_grace > duration{0} ? options_.takeover_grace
                                                    : default_takeover_grace(n.network().config())),
      view_(me_, options_.quorum),
      ownership_(options_.placement, view_, replica_, holds_),
      children_(*this, options_, replica_),
      snapshots_(*shared_) {}

behavior server::make_behavior() {
  if (auto r = system().register_name(options_.server_name, self()); !r)
    log()->error("global supervisor: cannot register '{}': {}", options_.server_name, r.error().message());
  subscribe();
  refresh_types();
  view_.settle(system().clock().now() + grace_);
  view_.fresh(system().clock().now() + grace_);
  view_.newcomer_window(grace_);
  schedule_tick();
  return {
      [this](const submit& s) { on_submit(s.record); },
      [this](const put& p) {
        if (merge(p.record)) request_reconcile();
      },
      [this](const sync& s) { on_sync(s); },
      [this](const report& r) { on_report(r); },
      [this](const member_event& e) { on_member(e); },
      [this](const down_msg& d) { on_down(d); },
      [this](const tick& t) { on_tick(t); },
      [this](const reconcile_now&) {
        reconcile_pending_ = false;
        reconcile();
      },
      [this](const drain_notice& d) {
        view_.peer_draining(d.from);
        request_reconcile();
      },
      [this](const view_notice& v) {
        if (view_.peer_view(v.from, v.view)) request_reconcile();
      },
      [this](const begin_drain&) { on_begin_drain(); },
      [this](const global_snapshot& s) { on_save_snapshot(sender(), s.state); },
      [this](const snapshot_put& s) {
        if (snapshots_.receive(s)) log()->debug("global child '{}': snapshot received ({} bytes)", s.id, s.state.size());
      },
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

void server::on_exit(const exit_reason&) { children_.shutdown_all(); }

// --- handlers ------------------------------------------------------------------------------------

void server::on_submit(const child_record& r) {
  if (merge(r)) broadcast_record(r);
  request_reconcile();
}

void server::on_sync(const sync& s) {
  for (auto& r : s.records) merge(r);
  if (!replica_.fresh(s.from, s.seq)) {
    if (s.reply) send_sync(s.from, false);
    return;
  }
  view_.synced_with(s.from, s.view, s.types, s.draining);
  replica_.replace_reports(s.from, s.reports);
  if (s.reply) send_sync(s.from, false);
  request_reconcile();
}

void server::on_report(const report& r) {
  if (!replica_.fresh(r.from, r.seq)) return;
  if (r.child.running) holds_.taken_over(r.child.id);  // taken over elsewhere: not a failover here
  replica_.apply_report(r.from, r.child);
  request_reconcile();
}

void server::on_member(const member_event& e) {
  if (e.name == me_) return request_reconcile();
  const bool was_up = view_.is_up(e.name);
  // A peer lost before its sync arrived may have run any child (this node never learnt what):
  // none starts before the grace, as if it had reported them all (found by the simulation: a
  // node resuming from a pause declared a peer it had not synced with lost, and at once started
  // the children that peer ran).
  if (e.state == "down" && was_up && !view_.is_synced(e.name)) holds_.lost_unknown(system().clock().now() + grace_);
  // A peer (back) up counts again only once the sync asked for below arrives: what came from it
  // while it was not up here (over its own connection, while ours to it was down) may be from an
  // incarnation that has died since, and a stale sequence number would make this node ignore
  // the new one (found by the simulation: a node never learnt what a restarted peer ran).
  if (e.state == "up" && !was_up) forget_node(e.name, false);
  // Until it meets a first peer a node knows nothing of the cluster: its fresh time (and settle
  // time) count from that meeting, not from its start (found by the simulation with a joining
  // node cut off from its seed for longer than the grace: it met the seed and started the
  // children it owned among the two before the gossip had told it of the other members).
  if (e.state == "up" && !met_a_peer_) {
    met_a_peer_ = true;
    view_.fresh(system().clock().now() + grace_);
    view_.settle(system().clock().now() + grace_);
  }
  view_.apply(e, system().clock().now());
  if (e.state == "up") send_sync(e.name, true);  // its server may have missed ours: ask back
  if (e.state == "down" || e.state == "left") forget_node(e.name, e.state == "down");
  if (e.state == "up") replicate_snapshots();  // the successor of some child may have changed
  request_reconcile();
}

void server::on_down(const down_msg& d) {
  if (auto exited = children_.exited(d.ref, d.reason, system().clock().now()))
    child_exited(exited->first, exited->second);
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
  holds_.expire(now, grace_);
  // A sync sent before the peer's server was registered was lost: ask again until it answers.
  // Anti-entropy: now and then every peer gets the full state, repairing any lost update.
  const bool everyone = ++ticks_ % 10 == 0;
  for (auto& peer : view_.peers())
    if (everyone || !view_.is_synced(peer)) send_sync(peer, !view_.is_synced(peer));
  children_.register_names();
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
              std::chrono::duration_cast<std::chrono::milliseconds>(late).count(), children_.local().size());
  children_.stop_all();
  view_.forget_syncs();
  view_.settle(now + grace_);
}

void server::on_begin_drain() {
  if (!view_.draining()) log()->info("global supervisor: draining {} global children", children_.local().size());
  view_.begin_draining();
  for (auto& peer : view_.peers()) send_to_peer(peer, drain_notice{me_});
  request_reconcile();
}

void server::on_save_snapshot(const pid& from, std::vector<char> state) {
  auto id = children_.id_of(from);
  if (!id) return;  // not (or no longer) a global child of this node
  log()->debug("global child '{}' saved a snapshot ({} bytes)", *id, state.size());
  snapshots_.save(*id, std::move(state));
  replicate_snapshots();
}

// --- telling the peers -----------------------------------------------------------------------------

bool server::merge(const child_record& r) {
  shared_->clock.observe(r.version);
  if (!replica_.merge(r)) return false;
  if (r.removed) snapshots_.erase(r.id);
  children_.forgive(r.id);  // a new version of the spec gets a fresh chance
  return true;
}

void server::send_envelope_to_peer(const std::string& peer, envelope_ptr e) {
  node_.network().send_to_name(peer, options_.server_name, std::move(e));
}

void server::broadcast_record(const child_record& r) {
  for (auto& peer : view_.peers()) send_to_peer(peer, put{r});
}

void server::broadcast_report(const child_report& r) {
  for (auto& peer : view_.peers()) send_to_peer(peer, report{me_, r, ++seq_});
}

void server::send_sync(const std::string& to, bool reply) {
  sync s{me_, {}, children_.reports(), reply, ++seq_, view_.draining(), view_.reachable(), view_.types()};
  for (auto& [id, r] : replica_.specs()) s.records.push_back(r);
  send_to_peer(to, std::move(s));
}

void server::refresh_types() {
  auto now = options_.hosted_types ? *options_.hosted_types : actor_types();
  std::sort(now.begin(), now.end());
  if (!view_.set_types(std::move(now))) return;
  for (auto& peer : view_.peers()) send_sync(peer, false);
  request_reconcile();
}

void server::forget_node(const std::string& name, bool lost) {
  view_.forget(name);
  auto running = replica_.forget(name);
  // What it ran may still run (it may be cut off, not dead): not before the grace.
  if (lost) holds_.lost(name, running, system().clock().now(), grace_);
}

}  // namespace troupe::gs
