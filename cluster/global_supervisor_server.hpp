#pragma once
/// @file
/// The global supervisor's server process (one per node) and the state it shares with the
/// `global_supervisor` handle. Internal to cluster/; the protocol is in global_supervisor.hpp.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "troupe/cluster/child_events.hpp"
#include "troupe/cluster/global_supervisor.hpp"
#include "troupe/cluster/global_supervisor_messages.hpp"
#include "troupe/cluster/member.hpp"
#include "troupe/node/actor.hpp"
#include "troupe/transport/transport_config.hpp"

namespace troupe::gs {

/// What the server publishes for readers on other threads, and the version clock writers share.
struct shared_state {
  mutable std::mutex mutex;
  std::map<std::string, child_record> specs;  ///< guarded by mutex
  std::vector<global_child_info> children;    ///< guarded by mutex
  std::vector<std::pair<std::string, pid>> local;
  std::map<std::string, pid> names;
  std::map<std::string, std::vector<char>> snapshots;  ///< child id → newest snapshot held here
  std::condition_variable changed;  ///< notified on every publish (drain waits on it)
  bool draining = false;             ///< the server has begun draining
  std::size_t placeable_peers = 0;   ///< peers children may move to
  std::set<std::string> cluster_types;  ///< types hosted here or by any peer synced with
  std::atomic<std::uint64_t> clock{0};
  /// Children this node started because the node running them was lost (not left or drained).
  std::atomic<std::uint64_t> failovers{0};
  /// Where wall time comes from: the node's clock (virtual in a simulation).
  const troupe::clock* time = nullptr;

  /// A version greater than every one seen or issued here. @threadsafe
  std::uint64_t next_version() noexcept;
  /// Moves the clock past `v`. @threadsafe
  void observe(std::uint64_t v) noexcept;
};

/// The takeover grace when none is configured (see "Quorum mode" in global_supervisor.hpp).
duration default_takeover_grace(const transport::transport_config& c);

/// True when `a` replaces `b` (greater version, then greater origin).
bool newer(const child_record& a, const child_record& b) noexcept;

class server final : public actor {
 public:
  server(node& n, global_supervisor_options options, std::shared_ptr<shared_state> shared);

 protected:
  behavior make_behavior() override;
  void on_exit(const exit_reason& reason) override;

 private:
  /// A child this node runs (or is restarting, or stopping).
  struct local_child {
    pid child;
    ref_id ref = 0;
    bool stopping = false;
    std::uint32_t restarts = 0;
    std::deque<time_point> exits;  ///< within the restart window
    std::int64_t moved_at_ms = 0;
    /// Its global name is registered to it. A handoff may find the name still held by the
    /// copy that just stopped elsewhere (its release is in flight): the tick tries again.
    bool named = false;
  };

  // Handlers.
  void on_submit(const child_record& r);
  void on_put(const child_record& r);
  void on_sync(const sync& s);
  void on_report(const report& r);
  void on_member(const member_event& e);
  void on_down(const down_msg& d);
  void on_tick(const tick& t);
  void on_drain_notice(const std::string& from);
  void on_begin_drain();
  void on_save_snapshot(const pid& from, std::vector<char> state);
  void on_snapshot_put(const snapshot_put& s);
  void subscribe();
  bool fresh(const std::string& from, std::uint64_t seq);

  // Replication.
  bool merge(const child_record& r);
  void broadcast_record(const child_record& r);
  void broadcast_report(const child_report& r);
  void send_sync(const std::string& to, bool reply);
  [[nodiscard]] std::vector<child_report> own_reports() const;
  [[nodiscard]] child_report report_of(const std::string& id) const;
  void forget_node(const std::string& name, bool lost);

  // Ownership.
  void reconcile();
  /// Members quorum counts: this node and every peer an event named, except those that left
  /// (said BYE, or were removed by an operator's down).
  [[nodiscard]] std::size_t counted_members() const;
  [[nodiscard]] bool quorum_ok() const;
  [[nodiscard]] bool quorum_enabled() const;
  /// This node and the reachable, synced peers (quorum counts these).
  [[nodiscard]] std::vector<std::string> view() const;
  /// The view without draining nodes: where children may be placed.
  [[nodiscard]] std::vector<std::string> placement_view(const std::vector<std::string>& reachable) const;
  /// Whether a child running here stays here (see "Ownership" in global_supervisor.hpp).
  [[nodiscard]] bool keeps(const child_record& r, const std::vector<std::string>& members);
  [[nodiscard]] bool rebalance_budget();
  [[nodiscard]] bool may_start(const std::vector<std::string>& members) const;
  [[nodiscard]] std::optional<std::string> owner(const child_record& r, const std::vector<std::string>& members) const;
  /// Whether `member` hosts actor type `type`, as far as this node knows.
  [[nodiscard]] bool hosts(const std::string& member, const std::string& type) const;
  /// Why child `r` runs nowhere among `members`, if that is not just its start pending.
  [[nodiscard]] std::string waiting_reason(const child_record& r, const std::vector<std::string>& members) const;
  /// Reads this node's hosted types; when they changed, tells every peer (a fresh sync).
  void refresh_types();
  [[nodiscard]] bool running_elsewhere(const std::string& id, const std::vector<std::string>& members) const;
  [[nodiscard]] bool held(const child_record& r, const std::vector<std::string>& members) const;

  // Local children.
  void start_local(const child_record& r);
  void stop_local(local_child& c);
  /// `id` by value: the entry it may name is erased here.
  void child_exited(std::string id, local_child& c, const exit_reason& reason);
  void give_up(const std::string& id);
  void remove_spec(const std::string& id);
  void publish();
  /// `late`: how late the tick's timer fired (not how late it was handled).
  void detect_stall(duration late, time_point now);
  void schedule_tick();
  /// Runs `reconcile` once the events queued now are handled (see the definition).
  void request_reconcile();
  void register_child_name(const std::string& id, local_child& c, bool retry);

  // Snapshots (cluster/global_snapshot.hpp).
  struct snapshot {
    std::uint64_t version = 0;
    std::vector<char> state;
    std::string sent_to;  ///< the successor that has this version (own children only)
  };
  /// The member that would own `r` if this node were gone.
  [[nodiscard]] std::optional<std::string> successor(const child_record& r) const;
  void replicate_snapshots();
  /// Publishes (or with null, withdraws) the snapshot of `id` for `global_supervisor::snapshot`.
  void share_snapshot(const std::string& id, const std::vector<char>* state);

  node& node_;
  global_supervisor_options options_;
  std::shared_ptr<shared_state> shared_;
  std::string me_;
  duration grace_;
  bool had_quorum_ = true;
  child_event_tracker child_events_;  ///< turns each published view into timeline events
  bool subscribed_ = false;
  std::uint64_t seq_ = 0;    ///< counter over the syncs and reports this server sends
  std::uint64_t ticks_ = 0;
  std::map<std::string, std::uint64_t> last_seq_;  ///< per peer: the newest seq applied
  /// After gaining quorum, starts wait until every member not left is synced, or this passes.
  time_point settle_until_{};
  /// Until then this server is fresh: it has not heard from every member yet and does not know
  /// how many there are (a peer's gossip naming the others may still be on its way).
  time_point fresh_until_{};
  std::map<std::string, child_record> specs_;
  std::map<std::string, std::map<std::string, child_report>> reports_;  ///< node → id → report
  std::map<std::string, local_child> local_;
  std::set<std::string> failed_;
  std::set<std::string> synced_;
  std::set<std::string> up_;     ///< peers up or suspect, as of the member events handled
  std::set<std::string> known_;  ///< every peer an event named
  std::set<std::string> left_;   ///< peers that left
  std::map<std::string, time_point> lost_at_;       ///< nodes lost (down, not left) recently
  std::map<std::string, time_point> hold_until_;    ///< child id → not before
  time_point unknown_until_{};  ///< a peer was lost before its sync arrived: no child starts before this
  std::set<std::string> orphaned_;                  ///< ids that ran on a lost node: a start here is a failover
  bool reconcile_pending_ = false;
  std::map<std::string, std::vector<std::string>> peer_views_;  ///< each synced peer's last view
  std::vector<std::string> types_;                              ///< hosted here, sorted
  std::map<std::string, std::vector<std::string>> peer_types_;  ///< hosted by each peer (sorted), as last synced
  std::vector<std::string> told_view_;  ///< the view last broadcast
  /// Every peer of `reachable` reports exactly `reachable` as its view.
  [[nodiscard]] bool view_agreed(const std::vector<std::string>& reachable) const;
  void tell_view(const std::vector<std::string>& reachable);
  bool draining_ = false;                           ///< this node is handing its children off
  std::set<std::string> draining_peers_;
  std::map<std::string, snapshot> snapshots_;       ///< child id → newest snapshot known here
  time_point rebalance_window_{};
  std::size_t rebalanced_in_window_ = 0;
};

}  // namespace troupe::gs
