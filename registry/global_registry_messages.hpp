#pragma once
/// @file
/// What global registry servers say to each other (see `global_registry.hpp` for the protocol).
/// Every message is about entries owned by the sending node; a receiver ignores entries whose
/// holder is on another node (only an owner speaks for its entries).

#include <string>
#include <vector>

#include "troupe/node/message_type.hpp"
#include "troupe/node/msgpack_adaptors.hpp"
#include "troupe/registry/global_entry.hpp"

namespace troupe {

/// The sender's full set of own entries; replaces whatever the receiver held from that node.
/// `reply`: the receiver answers with its own full set (the sender's server just started).
struct global_names_sync {
  std::vector<global_entry> entries;
  bool reply = false;
  MSGPACK_DEFINE(entries, reply);
};

/// The sender registered a name.
struct global_name_added {
  global_entry entry;
  MSGPACK_DEFINE(entry);
};

/// The sender's `holder` no longer holds `name` (unregistered, died, or lost a conflict).
struct global_name_removed {
  std::string name;
  pid holder;
  MSGPACK_DEFINE(name, holder);
};

}  // namespace troupe

TROUPE_MESSAGE(troupe::global_names_sync, "troupe.global.sync");
TROUPE_MESSAGE(troupe::global_name_added, "troupe.global.added");
TROUPE_MESSAGE(troupe::global_name_removed, "troupe.global.removed");
