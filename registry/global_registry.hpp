#pragma once
/// @file
/// `global_registry`: cluster-wide unique names for processes (OTP `global`, Horde.Registry).
///
/// ```
/// auto names = troupe::start_global_registry(system, net);
/// names->register_name("billing", billing_pid);           // a local process
/// names->whereis("billing");                              // on any node, a local read
/// names->send("billing", charge{42});
/// auto r = troupe::call<receipt>(*names, "billing", charge{42}, 1s);
/// ```
///
/// ## Exchange protocol
/// Every node runs a registry server (registered locally as "troupe.global_registry") and keeps
/// a full replica of all names (`name_table`). Each entry is *owned* by the node its holder runs
/// on, and only the owner's server ever announces or withdraws it — as in OTP `pg`, there is no
/// leader and no cluster-wide lock:
/// - Register: checked against the local replica and written to it at once (`name_taken` if
///   held), then the server broadcasts `added{entry}` to the server on every connected peer.
/// - Unregister, or the holder dies (the owner's server monitors its registrants): the owner's
///   server broadcasts `removed{name, holder}`.
/// - A peer comes up (first connection, a healed partition, a restarted node): both servers send
///   the other a `sync` — the full set of their own entries, which replaces all the receiver held
///   from that node. A server that starts after its connections are up sends `sync{reply}` to
///   every peer, which answer with theirs. So late joiners and healed partitions converge.
/// - A peer goes down (the transport lost it): every replica drops the entries that node owned
///   in that incarnation. Entries of a node's previous incarnation go when the new one connects.
///
/// Between two nodes the transport gives one ordered channel, so a peer applies one owner's
/// announcements in the order the owner made them; a sync followed by updates is consistent.
///
/// ## Conflicts
/// Two registrations of one name that did not see each other (made at the same moment on two
/// nodes, or on two sides of a partition) meet in some replica. Every replica keeps the entry
/// that wins under `wins_conflict` (older stamp first; see `conflict_policy.hpp`), so all agree
/// without talking. The owner of the losing entry drops it, broadcasts its removal, and tells
/// the loser — an exit signal `error: name_conflict <name>` or a `name_conflict` message, per
/// `global_registry_options::on_conflict`.
///
/// ## Failure cases, and why
/// - Lost node: its names vanish from the survivors once their transport declares it down
///   (phi-accrual timeout), not before. A call to one of them meanwhile fails with the call's
///   own error (`noconnection`/`timeout`).
/// - Partition: each side keeps its own names and drops the other side's; both sides may then
///   register the same name. This is availability over consistency (AP), the same trade as `pg`
///   and Horde: a name service that refused registrations during a partition would stop half
///   the cluster. The conflict is settled when the sides meet again.
/// - A partial partition (A sees B and C, B and C do not see each other) can leave B and C with
///   different views until the next periodic sync (below); see docs/registry_consistency.md.
/// - Messages in flight to a lost peer are dropped; the sync on reconnection repairs that.
/// - A replica that drops an entry because it loses a conflict, and later sees the winner
///   withdrawn, would miss the loser for good if its owner never met the winner. So every
///   server also sends its full set to every peer each `sync_interval` (anti-entropy; found by
///   the deterministic simulation).
///
/// Threading: every member is @threadsafe. `whereis` and `registered_names` are lock-free
/// snapshot reads and never message anyone, so they are cheap from handlers too. Writes are
/// short and synchronous locally; they reach other nodes asynchronously.
///
/// Lifetime: destroy the registry before its transport and its `actor_system`.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "troupe/node/actor_system.hpp"
#include "troupe/node/call.hpp"
#include "troupe/node/name_service.hpp"
#include "troupe/registry/conflict_policy.hpp"
#include "troupe/registry/global_peers.hpp"
#include "troupe/registry/name_table.hpp"
#include "troupe/transport/transport.hpp"

namespace troupe {

struct global_registry_options {
  /// How a process that loses its name in a conflict is told.
  conflict_policy on_conflict = conflict_policy::exit;
  /// The local name of the registry server on every node (all nodes must agree).
  std::string server_name = "troupe.global_registry";
  /// How often each server sends its own entries to every peer (anti-entropy; 0: never).
  duration sync_interval = std::chrono::seconds(2);
  /// Membership's view of who is up (`cluster_node::membership()`), so that the replicas follow
  /// the same list as the global supervisor; it must outlive the registry. Null: the transport's
  /// connected peers (a bare transport with no membership).
  membership_view* members = nullptr;
};

class global_registry final : public name_service {
 public:
  /// Starts the registry server on `system`, talking to peers through `net`.
  global_registry(actor_system& system, transport::network& net, global_registry_options options = {});
  /// Stops the server and detaches from the transport.
  ~global_registry() override;
  global_registry(const global_registry&) = delete;
  global_registry& operator=(const global_registry&) = delete;

  /// Registers local process `p` as `name` across the cluster. `name_taken` (naming the holder)
  /// if this replica knows another holder; `noproc` if `p` is not alive; `invalid_argument` if
  /// `p` is not a local process or `name` is empty. Re-registering the holder is a no-op.
  result<void> register_name(const std::string& name, const pid& p) override;
  /// Removes `name` if held by local process `p`.
  void unregister_name(const std::string& name, const pid& p) override;
  /// Removes `name` if a local process holds it. True if it did.
  bool unregister(const std::string& name);
  /// The holder of `name` as this replica knows it. Lock-free, no messaging.
  [[nodiscard]] std::optional<pid> whereis(const std::string& name) const override { return table_->whereis(name); }
  /// Every (name, holder) in this replica.
  [[nodiscard]] std::vector<std::pair<std::string, pid>> registered_names() const;
  /// The full entry (with its stamp) for `name`.
  [[nodiscard]] std::optional<global_entry> entry(const std::string& name) const { return table_->entry(name); }

  /// Sends `msg` to the holder of `name`, wherever it runs. False if no one holds it.
  template <message T>
  bool send(const std::string& name, T&& msg) {
    auto p = whereis(name);
    if (!p) return false;
    system_.send(*p, std::forward<T>(msg));
    return true;
  }

  [[nodiscard]] actor_system& system() const noexcept { return system_; }
  /// The registry server of this node.
  [[nodiscard]] pid server() const noexcept { return server_; }

 private:
  actor_system& system_;
  std::shared_ptr<name_table> table_;
  std::shared_ptr<global_peers> peers_;
  pid server_;
};

/// Starts the global registry of a node: the one line a node needs.
[[nodiscard]] std::unique_ptr<global_registry> start_global_registry(actor_system& system, transport::network& net,
                                                                     global_registry_options options = {});

/// Calls the holder of global `name` from a non-actor thread; `noproc` if no one holds it.
template <message Resp, message Req>
result<Resp> call(global_registry& names, const std::string& name, Req&& req, duration timeout = default_call_timeout) {
  auto p = names.whereis(name);
  if (!p) return fail(errc::noproc, "no process is registered globally as '" + name + "'");
  return call<Resp>(names.system(), *p, std::forward<Req>(req), timeout);
}

}  // namespace troupe
