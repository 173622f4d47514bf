#pragma once
/// @file
/// `remote_watches`: the links and monitors between local processes and one peer node's
/// processes, so that losing the peer can fire them (Erlang's noconnection).
///
/// The runtime's link and monitor state lives in each process; this table only mirrors what
/// crossed the connection, learnt from the signals as they pass (outbound in `route`, inbound
/// before delivery). When the peer is lost, every local process linked to one of its processes
/// gets an exit signal `noconnection`, every local monitor on one fires DOWN `noconnection`, and
/// monitors the peer held on local processes are dropped. A monitor by `{name, node}` is kept by
/// ref alone until its DOWN arrives, since the process the name resolves to is known only there.

#include <mutex>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "troupe/node/envelope.hpp"
#include "troupe/node/pid.hpp"

namespace troupe {
class actor_system;
}

namespace troupe::transport {

class remote_watches {
 public:
  /// A signal from local process `e.from` to remote process `to` is leaving. @threadsafe
  void outbound(const pid& to, const envelope& e);
  /// A signal from local process `e.from` to a name on the peer is leaving: a monitor by
  /// `{name, node}` is recorded until its DOWN comes back or it is demonitored. @threadsafe
  void outbound_to_name(const envelope& e);
  /// A signal from remote process `e.from` to local process `to` arrived. @threadsafe
  void inbound(const pid& to, const envelope& e);
  /// The peer is lost: fire and forget everything (deliveries go to local processes only).
  void fire_noconnection(actor_system& sys);
  /// How many links and monitors are recorded (for tests and introspection). @threadsafe
  [[nodiscard]] std::size_t size() const;

 private:
  void record(const pid& local, const pid& remote, const envelope& e, bool local_is_sender);

  mutable std::mutex mutex_;
  std::set<std::pair<pid, pid>> links_;                  // (local, remote)
  std::set<std::tuple<ref_id, pid, pid>> monitors_;       // (ref, local watcher, remote target)
  std::set<std::tuple<ref_id, pid, pid>> monitored_by_;  // (ref, remote watcher, local target)
  std::set<std::pair<ref_id, pid>> name_monitors_;       // (ref, local watcher) of monitors by name
};

}  // namespace troupe::transport
