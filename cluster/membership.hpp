#pragma once
/// @file
/// `membership`: who is in the cluster, who is reachable, and whether this node sees a majority.
///
/// Protocol (one `membership` process per node, registered as "troupe.membership"):
/// - Join: the node dials its seeds; any one live seed is enough. Seeds given as names
///   (`tcp://NAME:PORT`, `dns:NAME:PORT`) are resolved off the I/O thread by a `seed_resolver`
///   owned by this process; each round it dials the endpoints that are neither this node nor a
///   connected peer, so replicas that appear under a `dns:` name are found.
/// - Gossip: every `gossip_interval` a node sends its member list (name, address, left) to three
///   connected peers in turn (all in a cluster of up to four), and at once to a peer that comes up.
///   A receiver dials the members it did not know, so the cluster converges to a full mesh.
/// - Failure detection is the transport's (phi-accrual, in the session engine): each member is
///   watched by the `monitored_by` members before it on the ring of names, and a loss its
///   watchers detect is reported to every member (docs/membership.md). A member is `up` while
///   connected, `suspect` while a detector watching it here is uneasy, `down` once the
///   connection is lost (by this node's detector or by its watchers' reports); the transport
///   keeps redialling a down member, so when a partition heals the connections return and views
///   merge by themselves.
/// - Leave: a stopping node says BYE; peers mark it `left` and stop redialling it. A restarted
///   node (new creation) replaces its old self as soon as it connects.
/// - Down (an operator's `troupectl down NODE`): a member that is down here is marked `left`
///   and the gossip carries it to every node, so a member that died and never came back stops
///   counting toward quorum. A member that is up is never removed. If the removed node comes
///   back (restarted, or a partition healed), it is a member again as soon as it connects.
///   With `auto_down_after`, a node that has quorum does the same by itself to a member down
///   that long (Akka's down-removal margin); a node without quorum never does.
/// - Quorum: this node has quorum when the members it sees `up` (itself included) are more than
///   half of all members not `left`. The global supervisor counts the same way (its own view:
///   reachable means synced there too) to stop its children on the minority side of a
///   partition, and adds a join rule so that a node joining never stops children that ran with
///   a quorum (docs/global_supervisor.md, "What a join changes"); this one, used by auto-down,
///   has no join rule. A member that died for good counts until an operator removes it (Down).
///
/// Why a ring and reports rather than SWIM's random probes: connections are a full mesh already,
/// so a report reaches every member in one hop, and a fixed ring gives each member the same `k`
/// watchers every period (detection time as with the full mesh of detectors), at a cost per node
/// that does not grow with the cluster.

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "troupe/cluster/member.hpp"
#include "troupe/cluster/seed_resolver.hpp"
#include "troupe/node/actor_system.hpp"
#include "troupe/transport/network.hpp"

namespace troupe {

struct membership_config {
  duration gossip_interval = std::chrono::milliseconds(500);
  /// Nodes to join: addresses dialled at once, names resolved off the I/O thread (see
  /// seed_resolver.hpp for the forms). `node` fills it from `node_config::seeds`.
  std::vector<std::string> seeds;
  /// How often `dns:` seeds are resolved again (and a `tcp://NAME` retried until it resolves).
  duration seed_refresh_interval = std::chrono::seconds(5);
  /// Auto-down: a member down this long is removed (as by `troupectl down`), but only by a node
  /// that sees a majority, so a minority never removes the majority. Zero: off (the default).
  duration auto_down_after = duration::zero();
  /// Looks names up; empty: the system's resolver (getaddrinfo). Tests inject their own.
  seed_resolver::resolve_function resolve;
};

/// The thread-safe view of membership, kept by the membership process, read by anyone.
class membership_view {
 public:
  /// Every member this node knows, itself included, sorted by name. @threadsafe
  [[nodiscard]] std::vector<member> members() const;
  /// True when this node sees a majority of the members not `left`. @threadsafe
  [[nodiscard]] bool has_quorum() const;
  /// Members `up` (or `suspect`), itself included. @threadsafe
  [[nodiscard]] std::vector<std::string> reachable() const;
  /// Runs `f` on every change (on the membership process's thread: keep it short). @threadsafe
  void on_change(std::function<void(const member&)> f);

 private:
  friend class membership_process;
  void publish(std::vector<member> members, const member* changed);

  mutable std::mutex mutex_;
  std::vector<member> members_;
  std::vector<std::function<void(const member&)>> handlers_;
};

class event_timeline;

/// Starts the membership process of a node; `view` (and `events`, when given: member changes
/// are recorded there) must outlive it.
pid start_membership(actor_system& sys, transport::network& net, membership_view& view, membership_config config = {},
                     event_timeline* events = nullptr);

/// Asks the membership process to remove `name`, a member that is down here, from the cluster
/// (see Down above). Ignored, with a warning, if the member is up or unknown.
struct remove_member {
  std::string name;
  MSGPACK_DEFINE(name);
};

/// Asks the membership process to send `subscriber` a member_event for every change (and one
/// for every current member at once).
struct subscribe_members {
  pid subscriber;
  MSGPACK_DEFINE(subscriber);
};

}  // namespace troupe

TROUPE_MESSAGE(troupe::subscribe_members, "troupe.membership.subscribe");
TROUPE_MESSAGE(troupe::remove_member, "troupe.membership.remove");
