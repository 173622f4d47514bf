#pragma once
/// @file
/// `unhandled_call`: what a caller hears when the process it called has no handler for the
/// call's message type. The runtime answers in the process's place (`actor::unhandled`), so
/// the caller fails at once with `errc::unhandled` naming the type and the target, instead of
/// waiting out its timeout; the message is still counted as unhandled. A plain message (no
/// reply expected) gets no answer. On the wire it is an ordinary reply (docs/PROTOCOL.md §9).

#include <string>

#include "troupe/node/error.hpp"
#include "troupe/node/message_type.hpp"
#include "troupe/node/msgpack_adaptors.hpp"
#include "troupe/node/pid.hpp"

namespace troupe {

struct unhandled_call {
  std::string type;  ///< the wire name of the call's message type
  pid target;        ///< the process that has no handler for it
  MSGPACK_DEFINE(type, target);
};

/// "<n1.3.4> has no handler for call 'troupe.text'", as an `errc::unhandled` error.
[[nodiscard]] error unhandled_call_error(const unhandled_call& u);

}  // namespace troupe

TROUPE_MESSAGE(troupe::unhandled_call, "troupe.unhandled_call");
