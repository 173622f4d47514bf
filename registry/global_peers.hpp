#pragma once
/// @file
/// `global_peers`: how a replica server reaches the servers of the same name on its peers.
///
/// It wraps the network behind a lock so that the server never touches a network that is
/// gone: the owner (`global_registry`, `process_groups`) calls `detach()` before the network
/// may be destroyed, and every later send is a no-op. Sends go by name (`send_to_name`), so a
/// server needs no pid of its peers and a restarted peer is reached at once.

#include <mutex>
#include <string>
#include <vector>

#include "troupe/node/message_type.hpp"
#include "troupe/transport/network.hpp"

namespace troupe {

class global_peers {
 public:
  global_peers(transport::network& net, std::string service) : net_(&net), service_(std::move(service)) {}

  /// The name the servers are registered under on every node.
  [[nodiscard]] const std::string& service() const noexcept { return service_; }
  /// Names of the peers that are up now. @threadsafe
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
  /// Subscribes (or unsubscribes) `p` to node_up / node_down messages. @threadsafe
  void monitor_nodes(const pid& p, bool on);
  /// Cuts the link to the transport; later calls do nothing. @threadsafe
  void detach();

 private:
  mutable std::mutex mutex_;
  transport::network* net_;
  std::string service_;
};

}  // namespace troupe
