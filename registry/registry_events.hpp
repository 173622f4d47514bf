#pragma once
/// @file
/// What a Registry's listeners receive (Elixir's `listeners:` option): a message on each explicit
/// register and unregister. As in Elixir, a registrant's death sends nothing — a listener that
/// wants to know monitors the registrant — and the value is not carried (look it up).

#include <string>

#include "troupe/node/message_type.hpp"
#include "troupe/node/pid.hpp"

namespace troupe {

/// Elixir's `{:register, registry, key, pid, value}`, without the value.
struct registry_registered {
  std::string registry;  ///< `registry_options::name`
  std::string key;
  pid owner;
};

/// Elixir's `{:unregister, registry, key, pid}`.
struct registry_unregistered {
  std::string registry;
  std::string key;
  pid owner;
};

}  // namespace troupe

TROUPE_LOCAL_MESSAGE(troupe::registry_registered, "troupe.registry.registered");
TROUPE_LOCAL_MESSAGE(troupe::registry_unregistered, "troupe.registry.unregistered");
