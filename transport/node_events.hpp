#pragma once
/// @file
/// Messages about other nodes, for processes that asked for them (Erlang monitor_node /
/// net_kernel:monitor_nodes).

#include <cstdint>
#include <string>

#include "troupe/node/message_type.hpp"

namespace troupe {

/// A connection to `node` (incarnation `creation`) is up.
struct node_up {
  std::string node;
  std::uint32_t creation = 0;
  MSGPACK_DEFINE(node, creation);
};

/// The connection to `node` was lost (`reason`: "timeout", "disconnected", "rejected", "left").
struct node_down {
  std::string node;
  std::uint32_t creation = 0;
  std::string reason;
  MSGPACK_DEFINE(node, creation, reason);
};

}  // namespace troupe

TROUPE_MESSAGE(troupe::node_up, "troupe.nodeup");
TROUPE_MESSAGE(troupe::node_down, "troupe.nodedown");
