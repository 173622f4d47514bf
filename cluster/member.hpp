#pragma once
/// @file
/// A member of the cluster as one node sees it, and the events about members.

#include <cstdint>
#include <string>

#include "troupe/node/message_type.hpp"

namespace troupe {

/// How this node sees a member. Each node judges reachability by itself (its own failure
/// detector); only who belongs to the cluster (and who left) is shared by gossip.
enum class member_state : std::uint8_t {
  joining,  ///< known (from a seed or gossip), not connected yet
  up,       ///< connected and heard from
  suspect,  ///< connected, but the failure detector is getting suspicious
  down,     ///< was up, now unreachable (crashed, hung, or cut off)
  left,     ///< said goodbye (graceful leave)
};

const char* to_string(member_state s) noexcept;

struct member {
  std::string name;
  std::string address;
  std::uint32_t creation = 0;
  member_state state = member_state::joining;
  bool self = false;
};

/// Sent to subscribers when a member's state changes (`state` is member_state as a string).
struct member_event {
  std::string name;
  std::string address;
  std::uint32_t creation = 0;
  std::string state;
  MSGPACK_DEFINE(name, address, creation, state);
};

}  // namespace troupe

TROUPE_MESSAGE(troupe::member_event, "troupe.member_event");
