#pragma once
/// @file
/// What process group servers say to each other (see `process_groups.hpp` for the protocol).
/// Every message is about members on the sending node; a receiver ignores pids of other nodes.

#include <string>
#include <vector>

#include "troupe/node/message_type.hpp"
#include "troupe/node/msgpack_adaptors.hpp"
#include "troupe/node/pid.hpp"

namespace troupe {

/// Some members of one group.
struct global_group {
  std::string group;
  std::vector<pid> members;
  MSGPACK_DEFINE(group, members);
};

/// The sender's full set of local memberships; replaces what the receiver held from that node.
/// `reply`: answer with your own (the sender's server just started).
struct global_groups_sync {
  std::vector<global_group> groups;
  bool reply = false;
  MSGPACK_DEFINE(groups, reply);
};

/// Processes of the sender joined a group.
struct global_groups_joined {
  global_group joined;
  MSGPACK_DEFINE(joined);
};

/// Processes of the sender left a group (or died).
struct global_groups_left {
  global_group left;
  MSGPACK_DEFINE(left);
};

}  // namespace troupe

TROUPE_MESSAGE(troupe::global_groups_sync, "troupe.pg.sync");
TROUPE_MESSAGE(troupe::global_groups_joined, "troupe.pg.joined");
TROUPE_MESSAGE(troupe::global_groups_left, "troupe.pg.left");
