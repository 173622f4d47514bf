#pragma once
/// @file
/// `global_supervisor`: a distributed DynamicSupervisor (Horde.DynamicSupervisor, Akka Cluster
/// Singleton/Sharding in miniature). Child specs are replicated to every member; each child runs
/// on exactly one member, its rendezvous owner among the members that are up.
///
/// ```
/// auto gs = troupe::start_global_supervisor(*node);
/// gs->start_child({.id = "billing", .type = "counter", .args = troupe::spawn_args(0), .name = "billing"});
/// gs->which_children();   // id, node, pid, restarts, last move — from any node, any thread
/// ```
///
/// ## Exchange protocol
/// Every node runs one server process, registered locally as "troupe.global_supervisor".
/// - Specs: `start_child`/`terminate_child` write a record stamped with a hybrid clock version
///   (wall-clock microseconds, bumped past every version seen) and broadcast `put` to every
///   reachable peer. Replicas keep the greatest (version, origin) per id; removals are
///   tombstones. So replicas converge whatever the order of delivery.
/// - Reports: a node alone speaks for the children it runs. It broadcasts a `report` when it
///   starts, restarts, gives up on or stops one (a stop is reported only once the child's DOWN
///   has arrived, i.e. once it is really dead).
/// - Sync: when a peer comes up (first contact, healed partition, restart) both servers send it
///   `sync` — all their specs and their own reports, replacing what the receiver held from them.
///   A server that starts late asks every reachable peer for theirs (`reply`).
/// - A peer counts for placement only once its sync has arrived since it last came up: until
///   then this node does not know what the peer runs. Syncs and reports carry the sender's
///   sequence number (older ones are ignored), and every tenth tick each server sends its full
///   state to all peers, repairing lost updates (anti-entropy).
///
/// ## Ownership (recomputed on every membership change, spec change, report, and each tick)
/// The *view* is this node plus the reachable, synced peers; draining nodes are left out of
/// placement. For each live spec, owner = placement(view). A node starts a child it owns unless
/// (a) another node of the view reports running it — a handoff waits for that node's stop
/// report, which it sends after the DOWN — or (b) the child may still run on a node lost less
/// than `takeover_grace` ago (it was reported there, or that node would own it, or that node
/// was lost before its sync arrived: what it ran is unknown, so any child is held).
/// A running child stays where it is while its node is in the view (sticky), unless: its spec
/// is removed; its node drains or loses quorum; it is pinned (or preferred) elsewhere and such a
/// node is up; two nodes run it (after a partition without quorum) — then the copy not on
/// placement({those two}) stops; or rebalancing is on and the owner is another node — then it
/// stops here (at most `rebalance_per_second` a second) and starts on its owner.
///
/// ## Mixed clusters
/// Nodes may host different actor types (each program registers its own). Every sync carries
/// the sender's hosted types, and a server sends a fresh sync to every peer when its own set
/// changes. Placement runs over the members that host the child's type only, so every node
/// still computes the same owner; a child whose type no member of the view hosts runs nowhere,
/// shown as waiting with that reason, and starts as soon as a node that hosts it is synced. A
/// node keeps the types of a lost peer until that peer's next incarnation syncs.
///
/// ## Drain (graceful handoff)
/// `drain()` (troupe-node runs it on SIGTERM; `troupectl drain NODE`) tells every peer that this
/// node is draining, so placement skips it, and stops its children here; each new owner starts
/// its child once the stop report arrives, from the snapshot this node sent it
/// (cluster/global_snapshot.hpp). drain() returns when every child this node ran runs elsewhere.
///
/// ## Stalls
/// A server whose own tick arrives more than `stall_threshold` late (the process was stopped,
/// swapped out, or under a debugger) may have been declared lost while it slept, and its
/// children started elsewhere: it stops its children at once and forgets which peers it has
/// synced with, so it starts nothing until fresh syncs say what runs where.
///
/// ## Quorum mode, and why a partition does not run a child twice
/// With quorum on (default from 3 members), a node runs children only while it sees a strict
/// majority of the members not `left` (membership has_quorum, and as many synced peers) — or,
/// having held quorum, exactly half while a node joining that it has not reached yet is among
/// the other half, for at most the grace (the join rule: adding a node never stops children
/// that ran with a quorum; docs/global_supervisor.md, "What a join changes"). On a
/// cut, both sides detect the loss with the same failure detector and the same timeout, at
/// about the same moment T. The minority loses quorum at T and stops its children at once
/// (one message to its own server, then exit signals: milliseconds). The majority also notices
/// at about T but starts the lost node's children only at T + `takeover_grace`. The ordering
/// holds as long as the minority's detector fires no later than the majority's plus the grace.
/// The default grace makes that a bound rather than a hope: the minority's detector fires at
/// the latest at the transport's `peer_timeout` (its hard cap), the majority's at the earliest
/// at `phi_detector::earliest_loss` (the shortest silence any history can accuse), so the
/// grace is `peer_timeout - earliest_loss` plus two heartbeat intervals (the detectors' check
/// period) and 50 ms (the minority's stop): 1.17 s with the default profile, 0.5 s with the
/// aggressive one. It assumes both sides' processes keep running (see Stalls). After (re)gaining quorum — a healed minority, a
/// fresh node — a node starts nothing until every member not left is in its view, or the grace
/// has passed: the members it has not heard from again may be a majority running everything.
///
/// The honest window: it does not hold when the minority does not notice — a one-way cut where
/// the minority still hears the majority. A node paused (SIGSTOP, a long stall) for longer than
/// the grace notices on its first tick after resuming and stops its children (see Stalls), but
/// they may handle the messages already queued for them in the few milliseconds before that
/// tick. Ruling both out needs fencing (leases with bounded clock drift, or tokens checked by
/// the resources the child touches).
/// A graceful leave (`left`) needs no grace: a stopping node kills its processes before BYE.
///
/// Without quorum mode both sides of a partition run every child; on heal the sync shows the
/// duplicates and each copy not on its rendezvous owner is stopped (deterministic).
///
/// ## Restarts
/// The owner monitors its children. permanent: always restarted; transient: restarted after
/// an abnormal exit, removed cluster-wide after a clean one; temporary: removed when it exits.
/// More than `max_restarts` exits within `max_restart_window` marks the child failed on its
/// owner (reported everywhere, not restarted); a new owner after a membership change, or a new
/// start_child of the id, tries again.
///
/// ## Global names
/// A spec with a `name` is registered, once running, through `options.register_name` (e.g. the
/// distributed registry's `register_name`, wired by whoever owns both: cluster/ does not include
/// registry/). Whatever the hook, `whereis(name)` answers from the replicated reports.
///
/// Threading: every public member is @threadsafe. Lifetime: destroy it before its node.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "troupe/cluster/placement.hpp"
#include "troupe/node/behaviour/child_spec.hpp"
#include "troupe/node/error.hpp"
#include "troupe/node/pid.hpp"

namespace troupe {

class cluster_node;

/// A child of the global supervisor.
struct global_child_spec {
  /// Unique in the cluster.
  std::string id;
  /// An actor type registered with the actor factory on every node (actor_factory.hpp).
  std::string type;
  /// One MessagePack value (see spawn_args); empty: nil.
  std::vector<char> args;
  restart_type restart = restart_type::permanent;
  /// Global name to register the child under while it runs; empty: none.
  std::string name;
  /// Placement hint: run on one of these nodes when one is up.
  std::vector<std::string> preferred_nodes;
  /// With preferred_nodes: never run anywhere else.
  bool pinned = false;
};

/// Where a child runs, as this node knows it.
struct global_child_info {
  std::string id;
  /// Empty when it runs nowhere this node can see.
  std::string node;
  pid child;
  std::uint32_t restarts = 0;
  bool failed = false;
  std::chrono::system_clock::time_point last_moved{};
  /// Why it runs nowhere, when it waits for something other than its start (for example
  /// "no live node hosts actor type 'billing'"); empty otherwise.
  std::string waiting;
};

enum class quorum_mode {
  automatic,  ///< on when the cluster has 3 members or more (not counting members that left)
  on,
  off,
};

struct global_supervisor_options {
  quorum_mode quorum = quorum_mode::automatic;
  /// How long a majority waits after losing a node before starting its children; 0: derived
  /// from the failure detector's bounds (see "Quorum mode" above).
  duration takeover_grace{0};
  /// Restart intensity per child: more than this many exits in the window → failed.
  std::size_t max_restarts = 3;
  duration max_restart_window = std::chrono::seconds(5);
  /// How often ownership is re-evaluated besides events (grace deadlines).
  duration tick = std::chrono::milliseconds(100);
  /// The actor types this node hosts; unset: every type registered in the process
  /// (actor_factory.hpp), read again on every tick so a type registered late is advertised.
  std::optional<std::vector<std::string>> hosted_types;
  /// Null: rendezvous hashing (uniform_placement()).
  std::shared_ptr<const placement_strategy> placement;
  /// Registers a running child's global name (called on its node, from the server process).
  std::function<result<void>(const std::string& name, const pid& p)> register_name;
  /// Withdraws it when the child stops.
  std::function<void(const std::string& name, const pid& p)> unregister_name;
  /// The server's local name on every node (all must agree).
  std::string server_name = "troupe.global_supervisor";
  /// Move running children to a member that joins and now owns them by the hash. Off: a
  /// running child stays on its node while that node lives.
  bool rebalance = false;
  /// Rebalancing moves (stops here) per second at most, per node.
  std::size_t rebalance_per_second = 5;
  /// A tick this late means the process was stalled (see Stalls); 0: the shortest stall after
  /// which peers may have started this node's children (earliest detection + grace − tick).
  duration stall_threshold{0};
};

namespace gs {
struct shared_state;
}

class global_supervisor {
 public:
  global_supervisor(cluster_node& n, global_supervisor_options options = {});
  /// Stops this node's server, which stops the children it runs here (they move elsewhere).
  ~global_supervisor();
  global_supervisor(const global_supervisor&) = delete;
  global_supervisor& operator=(const global_supervisor&) = delete;

  /// Adds a child cluster-wide; it starts on its owner, a member that hosts its type.
  /// `invalid_argument` (empty id or type, or a type that neither this node nor any member it
  /// has synced with hosts), `name_taken` if a live spec has this id.
  [[nodiscard]] result<void> start_child(global_child_spec spec);
  /// Removes a child cluster-wide (its owner stops it). `not_found` if no live spec has this id.
  [[nodiscard]] result<void> terminate_child(const std::string& id);
  /// Every live child, sorted by id, with where it runs as far as this node knows.
  [[nodiscard]] std::vector<global_child_info> which_children() const;
  /// (id, pid) of the children this node runs now, including ones being stopped.
  [[nodiscard]] std::vector<std::pair<std::string, pid>> local_children() const;
  /// The process running the child registered as `name`, as this node knows it.
  [[nodiscard]] std::optional<pid> whereis(const std::string& name) const;
  /// How many children this node has started because the node running them was lost.
  [[nodiscard]] std::uint64_t failovers() const noexcept;
  /// Hands this node's children off to the other members and stops placing any here (see
  /// Drain). Blocks (call it from a non-actor thread) until each child this node ran is reported
  /// running elsewhere, or has no other member to go to, or `timeout` passes (`timeout`).
  /// Irreversible for this server: a drained node is meant to leave.
  [[nodiscard]] result<void> drain(duration timeout);
  /// The newest snapshot of child `id` this node holds: its own child's, or the one its owner
  /// sent here because this node would own it next (cluster/global_snapshot.hpp).
  [[nodiscard]] std::optional<std::vector<char>> snapshot(const std::string& id) const;
  /// This node's server process.
  [[nodiscard]] pid server() const noexcept { return server_; }

 private:
  cluster_node& node_;
  std::shared_ptr<gs::shared_state> shared_;
  pid server_;
};

/// Starts the global supervisor of a node.
[[nodiscard]] std::unique_ptr<global_supervisor> start_global_supervisor(cluster_node& n, global_supervisor_options options = {});

}  // namespace troupe
