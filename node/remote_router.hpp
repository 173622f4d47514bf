#pragma once
/// @file
/// `remote_router`: the seam through which the local runtime reaches other nodes.
///
/// `node/` knows nothing about sockets. When a send, link, monitor or exit targets a pid of
/// another node, the runtime hands the envelope to the router that the distribution layer
/// installed (Proto.Actor's process registry idea). Without one, remote pids are unreachable.

#include "troupe/node/envelope.hpp"
#include "troupe/node/pid.hpp"

namespace troupe {

class remote_router {
 public:
  virtual ~remote_router() = default;
  /// Takes `e` towards the node of `to`. Returns null once the router owns it, or gives the
  /// envelope back when `to` cannot be reached at all (unknown node, or a stale creation), in
  /// which case the runtime treats `to` as dead (dead letter, noproc for links and monitors).
  /// @threadsafe
  virtual envelope_ptr route(const pid& to, envelope_ptr e) = 0;
};

}  // namespace troupe
