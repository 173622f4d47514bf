#pragma once
/// @file
/// `process_groups`: named groups of processes across the cluster (OTP `pg`).
///
/// ```
/// auto pg = troupe::start_process_groups(system, net);
/// pg->join("workers", self());                 // a local process
/// for (auto& w : pg->members("workers")) ...   // every node's members, a local read
/// ```
///
/// ## Exchange protocol (as `pg.erl`)
/// Every node runs a groups server (registered locally as "troupe.process_groups") and keeps a
/// replica of every group. Each membership is owned by the node its process runs on, and only
/// that node's server announces it:
/// - join / leave (local processes only): the local replica changes at once; the server then
///   broadcasts `joined{group, [pid]}` / `left{group, [pid]}` to the server on every peer.
/// - A member dies: the owner's server (which monitors local members) broadcasts `left`.
/// - A peer comes up: both servers send each other a `sync` with all their local memberships,
///   which replaces whatever the receiver held from that node. A server that starts after its
///   connections sends `sync{reply}` to every peer, which answer with theirs.
/// - A peer goes down: every replica drops the members on that node (that incarnation); members
///   of a restarted node's previous incarnation go when the new one connects.
///
/// ## Failure cases, and why
/// There are no conflicts: a group is a set, and every membership has exactly one owner, so
/// replicas converge by taking each owner's word (the union over owners). During a partition
/// each side sees only the members it can reach — which is what a sender wants: members it
/// cannot reach would only swallow its messages. After healing, the sync restores the rest.
/// Membership is eventually consistent: a join is visible locally at once and on peers after
/// one message. A process is a member of a group at most once (joining twice is a no-op).
/// Unlike `global_registry` there is no periodic (anti-entropy) sync: with no conflicts nothing
/// drops a live membership, so the sync when a peer comes up suffices; an announcement the
/// transport refuses while the peer stays up waits for the next reconnection
/// (docs/registry_consistency.md).
///
/// Threading: every member is @threadsafe; reads are lock-free snapshot reads.
/// Lifetime: destroy before the transport and the `actor_system`.

#include <memory>
#include <string>
#include <vector>

#include "troupe/node/actor_system.hpp"
#include "troupe/registry/global_group_table.hpp"
#include "troupe/registry/global_peers.hpp"
#include "troupe/transport/transport.hpp"

namespace troupe {

struct process_groups_options {
  /// The local name of the groups server on every node (all nodes must agree).
  std::string server_name = "troupe.process_groups";
  /// Membership's view of who is up (`cluster_node::membership()`), as for the global registry;
  /// it must outlive the groups. Null: the transport's connected peers.
  membership_view* members = nullptr;
};

class process_groups {
 public:
  process_groups(actor_system& system, transport::network& net, process_groups_options options = {});
  ~process_groups();
  process_groups(const process_groups&) = delete;
  process_groups& operator=(const process_groups&) = delete;

  /// Adds local process `p` to `group`. `noproc` if it is not alive, `invalid_argument` if it
  /// is not local or `group` is empty. Joining twice is a no-op.
  result<void> join(const std::string& group, const pid& p);
  /// Removes local process `p` from `group`. False if it was not a member.
  bool leave(const std::string& group, const pid& p);
  /// Members of `group` on every node this one can reach.
  [[nodiscard]] std::vector<pid> members(std::string_view group) const { return table_->members(group); }
  /// Members of `group` on this node.
  [[nodiscard]] std::vector<pid> local_members(std::string_view group) const { return table_->local_members(group); }
  /// Every group with at least one member, sorted.
  [[nodiscard]] std::vector<std::string> groups() const { return table_->groups(); }
  [[nodiscard]] pid server() const noexcept { return server_; }

 private:
  actor_system& system_;
  std::shared_ptr<global_group_table> table_;
  std::shared_ptr<global_peers> peers_;
  pid server_;
};

/// Starts the process groups of a node: the one line a node needs.
[[nodiscard]] std::unique_ptr<process_groups> start_process_groups(actor_system& system, transport::network& net,
                                                                   process_groups_options options = {});

}  // namespace troupe
