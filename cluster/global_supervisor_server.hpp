#pragma once
/// @file
/// The global supervisor's server process (one per node): it receives the messages, keeps the
/// parts below in step and tells the peers. Each part has one job:
/// - `spec_replica` (global_supervisor_replica.hpp): the specs and every node's reports;
/// - `cluster_view` (global_supervisor_view.hpp): who is up, counted, placeable; quorum, agreement;
/// - `takeover_holds` (global_supervisor_holds.hpp): what a lost node may still run;
/// - `ownership` (global_supervisor_ownership.hpp): who owns a child, whether one here stays;
/// - `child_runner` (global_supervisor_children.hpp): the children run here, their restarts;
/// - `snapshot_store` (global_supervisor_snapshots.hpp) and `rebalance_budget`.
/// Internal to cluster/; the protocol is in global_supervisor.hpp.

#include <memory>
#include <string>
#include <vector>

#include "troupe/cluster/child_events.hpp"
#include "troupe/cluster/global_supervisor.hpp"
#include "troupe/cluster/global_supervisor_children.hpp"
#include "troupe/cluster/global_supervisor_holds.hpp"
#include "troupe/cluster/global_supervisor_messages.hpp"
#include "troupe/cluster/global_supervisor_ownership.hpp"
#include "troupe/cluster/global_supervisor_rebalance.hpp"
#include "troupe/cluster/global_supervisor_replica.hpp"
#include "troupe/cluster/global_supervisor_shared.hpp"
#include "troupe/cluster/global_supervisor_snapshots.hpp"
#include "troupe/cluster/global_supervisor_view.hpp"
#include "troupe/cluster/member.hpp"
#include "troupe/node/actor.hpp"
#include "troupe/transport/transport_config.hpp"

namespace troupe::gs {

/// The takeover grace when none is configured (see "Quorum mode" in global_supervisor.hpp).
duration default_takeover_grace(const transport::transport_config& c);

class server final : public actor {
 public:
  server(cluster_node& n, global_supervisor_options options, std::shared_ptr<shared_state> shared);

 protected:
  behavior make_behavior() override;
  void on_exit(const exit_reason& reason) override;

 private:
  // Handlers (global_supervisor_server.cpp).
  void on_submit(const child_record& r);
  void on_sync(const sync& s);
  void on_report(const report& r);
  void on_member(const member_event& e);
  void on_down(const down_msg& d);
  void on_tick(const tick& t);
  void on_begin_drain();
  void on_save_snapshot(const pid& from, std::vector<char> state);
  void subscribe();
  /// `late`: how late the tick's timer fired (not how late it was handled).
  void detect_stall(duration late, time_point now);
  void schedule_tick();
  /// Runs `reconcile` once the events queued now are handled (see the definition).
  void request_reconcile();

  // Telling the peers (global_supervisor_server.cpp).
  /// Merges a spec received or written here; true if it was newer.
  bool merge(const child_record& r);
  void broadcast_record(const child_record& r);
  void broadcast_report(const child_report& r);
  void send_sync(const std::string& to, bool reply);
  template <message T>
  void send_to_peer(const std::string& peer, T msg) {
    send_envelope_to_peer(peer, make_envelope<T>(self(), std::move(msg)));
  }
  /// To the server of the same name on `peer`.
  void send_envelope_to_peer(const std::string& peer, envelope_ptr e);
  /// Reads this node's hosted types; when they changed, tells every peer (a fresh sync).
  void refresh_types();
  void forget_node(const std::string& name, bool lost);

  // Acting on the decisions (global_supervisor_reconcile.cpp).
  void reconcile();
  void note_quorum(bool quorum, const std::vector<std::string>& reachable);
  [[nodiscard]] bool keeps(const child_record& r, const std::vector<std::string>& members);
  void start_local(const child_record& r);
  void child_exited(const std::string& id, exit_outcome outcome);
  void give_up(const std::string& id);
  void remove_spec(const std::string& id);
  /// Sends each local child's newest snapshot to its successor, unless that node has it already.
  void replicate_snapshots();
  void publish();

  cluster_node& node_;
  global_supervisor_options options_;
  std::shared_ptr<shared_state> shared_;
  std::string me_;
  duration grace_;
  cluster_view view_;
  spec_replica replica_;
  takeover_holds holds_;
  ownership ownership_;
  child_runner children_;
  snapshot_store snapshots_;
  rebalance_budget rebalance_;
  child_event_tracker child_events_;  ///< turns each published view into timeline events
  bool had_quorum_ = true;
  bool met_a_peer_ = false;  ///< a peer was ever up here (fresh counts from the first)
  bool subscribed_ = false;
  bool reconcile_pending_ = false;
  std::uint64_t seq_ = 0;  ///< counter over the syncs and reports this server sends
  std::uint64_t ticks_ = 0;
};

}  // namespace troupe::gs
