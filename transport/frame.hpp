#pragma once
/// @file
/// The frames nodes exchange (docs/PROTOCOL.md is the normative description).
///
/// One ZeroMQ message carries one or more frames back to back; each frame is one MessagePack
/// array whose first element is its `frame_kind`.

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace troupe::transport {

/// The protocol version a node speaks; a peer with another version is refused at the handshake.
inline constexpr std::uint32_t protocol_version = 1;

enum class frame_kind : std::uint8_t {
  hello = 1,      ///< [1, version, name, creation, listen, nonce(, dropped)] client -> server
  challenge = 2,  ///< [2, version, name, creation, nonce, proof]             server -> client
  auth = 3,       ///< [3, proof]                                            client -> server
  welcome = 4,    ///< [4]                                                   server -> client
  reject = 5,     ///< [5, reason]                                           either way; the session ends
  heartbeat = 6,  ///< [6], or [6, watch]: true, my detector watches you, send me HEARTBEATs; false, stop
  type_def = 7,   ///< [7, id, type name]: later message frames may name the type by id
  message = 8,    ///< [8, type (id or name), to (pid or name), from (pid or nil), correlation, body]
  bye = 9,        ///< [9]: the sender is leaving on purpose
  lost = 10,      ///< [10, name, creation, silent_ms]: my detector declared that member lost
};

/// The highest frame kind this version knows.
inline constexpr std::uint8_t last_frame_kind = 10;

using nonce = std::array<std::uint8_t, 32>;
using proof = std::array<std::uint8_t, 32>;

struct hello_frame {
  std::uint32_t version = protocol_version;
  std::string name;
  std::uint32_t creation = 0;
  std::string listen;
  nonce client_nonce{};
  /// The nonce of the receiver's session to the sender that the sender dropped while the
  /// receiver may still think it works (a connection stalled one way): the receiver ends it.
  /// Sent as a 7th element only when present, so an ordinary HELLO is unchanged on the wire.
  std::optional<nonce> dropped_session;
};

/// A member's report that its failure detector declared another member lost (LOST frame), so
/// that members which do not watch it learn of the loss (docs/membership.md).
struct lost_report {
  std::string name;
  std::uint32_t creation = 0;
  /// How long the reporter had not heard from it when it decided.
  std::uint32_t silent_ms = 0;
};

struct challenge_frame {
  std::uint32_t version = protocol_version;
  std::string name;
  std::uint32_t creation = 0;
  nonce server_nonce{};
  proof server_proof{};
};

}  // namespace troupe::transport
