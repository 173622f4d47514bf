#pragma once
/// @file
/// `remote_router`: the seam through which the local runtime reaches other nodes.
///
/// `node/` knows nothing about sockets. When a send, link, monitor or exit targets a pid of
/// another node, the runtime hands the envelope to the router that the distribution layer
/// installed (Proto.Actor's process registry idea). Without one, remote pids are unreachable.

#include <string>
#include <string_view>
#include <vector>

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
  /// Takes `e` towards the process registered as `name` on `node` (Erlang's `{Name, Node}`);
  /// the far node resolves the name. Gives the envelope back when `node` is not connected. The
  /// default reaches nobody. @threadsafe
  virtual envelope_ptr route_to_name(std::string_view node, std::string_view name, envelope_ptr e) {
    (void)node;
    (void)name;
    return e;
  }
  /// The member nodes connected now, this one excluded (Erlang `nodes()`; hidden nodes such as
  /// troupectl are not members). The default knows none. @threadsafe
  [[nodiscard]] virtual std::vector<std::string> connected_nodes() const { return {}; }
};

}  // namespace troupe
