#pragma once
/// @file
/// `global_peers`: how a replica server reaches the servers of the same name on its peers, and
/// which peers are up.
///
/// Who is up comes from membership's view when the node has one (`members`): the same list the
/// global supervisor reads, so the registry replicas and the supervisor never disagree on who is
/// in the cluster. Hidden nodes (clients such as troupectl, or a program that runs its own
/// replica without joining) are not members, so for them alone the transport's connections
/// count, as before. A bare transport without membership (small tests, embedders that run no
/// cluster) falls back to the transport's connected peers for everyone.
///
/// It wraps the network behind a lock so that the server never touches a network that is
/// gone: the owner (`global_registry`, `process_groups`) calls `detach()` before the network
/// may be destroyed, and every later send is a no-op. Sends go by name (`send_to_name`), so a
/// server needs no pid of its peers and a restarted peer is reached at once.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "troupe/cluster/membership.hpp"
#include "troupe/node/actor_system.hpp"
#include "troupe/node/message_type.hpp"
#include "troupe/transport/network.hpp"

namespace troupe {

class global_peers : public std::enable_shared_from_this<global_peers> {
 public:
  /// `members`, when given, must outlive this object's subscription (the node's membership).
  global_peers(actor_system& system, transport::network& net, std::string service,
               membership_view* members = nullptr)
      : system_(&system), net_(&net), members_(members), service_(std::move(service)) {}

  /// The name the servers are registered under on every node.
  [[nodiscard]] const std::string& service() const noexcept { return service_; }
  /// Names of the peers that are up now (members up or suspect, this node excluded). @threadsafe
  [[nodiscard]] std::vector<std::string> up() const;
  /// Sends `msg` from `from` to the server on `node`; false if unreachable. @threadsafe
  template <message T>
  bool send(const std::string& node, const pid& from, const T& msg) {
    std::lock_guard lock(mutex_);
    return net_ && net_->send_to_name(node, service_, make_envelope<T>(from, msg));
  }
  /// Sends `msg` to the server on every peer that is up. @threadsafe
  template <message T>
  void broadcast(const pid& from, const T& msg) {
    for (const auto& node : up()) send(node, from, msg);
  }
  /// Sends `p` a `node_up` when a peer comes up (or comes back with a new creation) and a
  /// `node_down` when it goes down or leaves; `on == false` stops them. @threadsafe
  void monitor_nodes(const pid& p, bool on);
  /// Cuts the link to the transport and the membership view; later calls do nothing. @threadsafe
  void detach();

 private:
  void on_member(const member& m);
  void on_hidden_peer(const transport::peer_event& ev);
  /// Tells the subscriber of a change of `node`, once per transition (suspect → up is no news).
  void transition(const std::string& node, std::uint32_t creation, bool up, const std::string& reason);
  void notify(envelope_ptr e);

  mutable std::mutex mutex_;
  actor_system* system_;
  transport::network* net_;
  membership_view* members_;  ///< null: the transport's peers are the view
  std::string service_;
  pid subscriber_;                                  ///< gets node_up / node_down (view mode)
  bool subscribed_ = false;                         ///< the view's and transport's handlers are installed
  std::map<std::string, std::uint32_t> up_;         ///< peers up here, with their creation
};

}  // namespace troupe
