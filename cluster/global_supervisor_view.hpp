#pragma once
/// @file
/// `gs::cluster_view`: the members the global supervisor's server knows of, which of them it
/// counts, reaches and may place children on, and the quorum and view-agreement rules over them
/// (see "Quorum" and "Bridge partitions" in docs/global_supervisor.md). Pure: the server feeds
/// it member events and syncs, and sends nothing itself. Owning server only.

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "troupe/cluster/global_supervisor.hpp"
#include "troupe/cluster/member.hpp"
#include "troupe/node/clock.hpp"

namespace troupe::gs {

class cluster_view {
 public:
  cluster_view(std::string me, quorum_mode quorum) : me_(std::move(me)), quorum_(quorum) {}

  [[nodiscard]] const std::string& me() const noexcept { return me_; }

  // --- what the server learns ---------------------------------------------------------------
  /// A peer's state changed (handled at `now`). Its own copy of membership, as of the events
  /// handled so far: the shared view may already show a loss whose event (and its hold) is still
  /// queued here.
  void apply(const member_event& e, time_point now);
  /// `peer`'s sync arrived: it counts for placement, with this view, types and drain flag.
  void synced_with(const std::string& peer, std::vector<std::string> view, std::vector<std::string> types,
                   bool draining);
  /// `peer`'s view changed (a view notice); ignored unless it is up here.
  bool peer_view(const std::string& peer, std::vector<std::string> view);
  /// Forgets `peer`'s sync and view: it counts again once a new sync arrives.
  void forget(const std::string& peer);
  /// Forgets every sync (after a stall: start nothing until fresh syncs say what runs where).
  void forget_syncs() { synced_.clear(); }
  /// The actor types this node hosts (sorted); false when they did not change.
  bool set_types(std::vector<std::string> types);
  void peer_draining(const std::string& peer) { draining_peers_.insert(peer); }
  void begin_draining() { draining_ = true; }
  /// Starts wait until every member not left is synced, or `until` (after gaining quorum).
  void settle(time_point until) { settle_until_ = until; }
  /// Until `until` this node is fresh: it does not know how many members there are yet.
  void fresh(time_point until) { fresh_until_ = until; }
  /// How long a newcomer may go uncounted (see `has_quorum`); the server sets the takeover grace.
  void newcomer_window(duration d) { newcomer_window_ = d; }

  // --- what it knows ------------------------------------------------------------------------
  /// Peers up or suspect.
  [[nodiscard]] const std::set<std::string>& peers() const noexcept { return up_; }
  [[nodiscard]] bool is_up(const std::string& peer) const { return up_.contains(peer); }
  [[nodiscard]] bool is_synced(const std::string& peer) const { return synced_.contains(peer); }
  [[nodiscard]] bool draining() const noexcept { return draining_; }
  [[nodiscard]] const std::vector<std::string>& types() const noexcept { return types_; }
  /// Types hosted here or by any peer synced with.
  [[nodiscard]] std::set<std::string> cluster_types() const;
  /// Whether `member` hosts actor type `type`, as far as this node knows.
  [[nodiscard]] bool hosts(const std::string& member, const std::string& type) const;

  // --- the rules ----------------------------------------------------------------------------
  /// This node and the reachable, synced peers, sorted (quorum counts these).
  [[nodiscard]] std::vector<std::string> reachable() const;
  /// `reachable` without draining nodes: where children may be placed.
  [[nodiscard]] std::vector<std::string> placeable(const std::vector<std::string>& reachable) const;
  /// This node and every peer an event named, except those that left.
  [[nodiscard]] std::size_t counted() const;
  /// The counted peers this node has never seen reachable (up and synced) and first heard of
  /// less than the newcomer window before `now`: nodes joining, learnt of by gossip or not
  /// synced yet. Sorted.
  [[nodiscard]] std::vector<std::string> newcomers(time_point now) const;
  /// On, or automatic with 3 members counted (a node keeping quorum through a join leaves the
  /// newcomers out of this count, as out of the majority: see `has_quorum`).
  [[nodiscard]] bool quorum_enabled(time_point now) const;
  /// Quorum at `now` (always, with quorum off): a strict majority of the counted members is
  /// reachable; or — the join rule — this node held quorum at the last `update_quorum`, is not
  /// fresh, and reaches exactly half of the counted members, the other half including a
  /// newcomer. So a join never stops children that ran with a quorum, and no node gains
  /// quorum through it (the definition and the safety argument are in docs/global_supervisor.md,
  /// "What a join changes").
  [[nodiscard]] bool has_quorum(time_point now) const;
  /// `has_quorum(now)`, remembered for the join rule. The server calls it once per reconcile.
  bool update_quorum(time_point now);
  /// Every peer of `reachable` reports exactly `reachable` as its view.
  [[nodiscard]] bool agreed(const std::vector<std::string>& reachable) const;
  /// Whether this node knows enough to start anything (see the definition). `shared_total`:
  /// the members not left in membership's shared view, which may be ahead of the events.
  [[nodiscard]] bool may_start(const std::vector<std::string>& reachable, std::size_t shared_total,
                               time_point now) const;
  /// True when `reachable` differs from the view last told to the peers (it is now told).
  bool tell(const std::vector<std::string>& reachable);

 private:
  std::string me_;
  quorum_mode quorum_;
  std::set<std::string> up_;      ///< peers up or suspect, as of the member events handled
  std::set<std::string> known_;   ///< every peer an event named
  std::set<std::string> left_;    ///< peers that left
  std::set<std::string> synced_;  ///< peers whose sync arrived since they came up
  std::set<std::string> seen_;    ///< peers ever reachable here (up and synced): never newcomers
  std::map<std::string, time_point> learnt_;  ///< when an event first named each peer
  std::map<std::string, std::vector<std::string>> peer_views_;  ///< each synced peer's last view
  std::vector<std::string> types_;                              ///< hosted here, sorted
  std::map<std::string, std::vector<std::string>> peer_types_;  ///< hosted by each peer, as last synced
  std::vector<std::string> told_;                               ///< the view last broadcast
  bool draining_ = false;  ///< this node is handing its children off
  std::set<std::string> draining_peers_;
  time_point settle_until_{};
  time_point fresh_until_{};
  duration newcomer_window_{};
  bool held_ = false;  ///< quorum at the last update_quorum: only a quorum held is kept through a join
};

}  // namespace troupe::gs
