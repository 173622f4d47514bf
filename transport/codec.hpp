#pragma once
/// @file
/// Encoding and decoding of frames (see frame.hpp and docs/PROTOCOL.md).
///
/// Decoding never trusts the input: every frame is checked by `validate_msgpack` before
/// msgpack-c touches it, every field is type-checked, and any failure is reported as a
/// `decode_error` for the caller to count, log and act on (drop the frame or the connection).

#include <cstdint>
#include <msgpack.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "troupe/node/envelope.hpp"
#include "troupe/node/message_type.hpp"
#include "troupe/node/pid.hpp"
#include "troupe/transport/frame.hpp"
#include "troupe/transport/wire_limits.hpp"

namespace troupe::transport {

// --- encoding ---------------------------------------------------------------------------------------

void encode_hello(msgpack::sbuffer& out, const hello_frame& f);
void encode_challenge(msgpack::sbuffer& out, const challenge_frame& f);
void encode_auth(msgpack::sbuffer& out, const proof& p);
void encode_welcome(msgpack::sbuffer& out);
void encode_reject(msgpack::sbuffer& out, const std::string& reason);
void encode_heartbeat(msgpack::sbuffer& out);
void encode_bye(msgpack::sbuffer& out);
/// A HEARTBEAT carrying the watch flag: [6, watch] (docs/membership.md). Nodes and clients that
/// predate it read it as a plain HEARTBEAT.
void encode_heartbeat(msgpack::sbuffer& out, bool watch);
/// A HEARTBEAT carrying a receipt: [6, nil, received], "I have received `received` MESSAGE frames
/// on your channel to me in this session" (docs/PROTOCOL.md §11). Nodes and clients that predate
/// it read it as a plain HEARTBEAT.
void encode_receipt(msgpack::sbuffer& out, std::uint64_t received);
void encode_lost(msgpack::sbuffer& out, const lost_report& r);
void encode_type_def(msgpack::sbuffer& out, std::uint32_t id, std::string_view name);
/// The part of a message frame after its type: to, from, correlation, body. Encoded by the
/// sending thread, so the I/O thread only has to prepend the header and copy bytes.
void encode_message_tail(msgpack::sbuffer& out, const pid& to, const envelope& e);
/// Same, addressed to a registered name on the peer.
void encode_message_tail(msgpack::sbuffer& out, std::string_view to_name, const envelope& e);
/// The header of a message frame: [8, type, then the tail follows.
void encode_message_head(msgpack::sbuffer& out, std::uint32_t type_id);
void encode_message_head(msgpack::sbuffer& out, std::string_view type_name);

// --- decoding ---------------------------------------------------------------------------------------

/// Reads the frames of one ZeroMQ message, one at a time.
class frame_reader {
 public:
  frame_reader(const char* data, std::size_t len, const wire_limits& limits) : data_(data), len_(len), limits_(limits) {}
  /// The next frame as an array object (valid until the next call), or nullopt at the end or on
  /// an error (see `error()`). After an error the rest of the message is not trusted.
  std::optional<msgpack::object> next();
  [[nodiscard]] const std::string& error() const noexcept { return error_; }

 private:
  const char* data_;
  std::size_t len_;
  wire_limits limits_;  ///< a copy (four numbers): a reader never outlives the limits it was given
  std::size_t offset_ = 0;
  msgpack::zone zone_;
  std::string error_;
};

/// Why a frame was refused.
struct decode_error {
  std::string what;
  /// The frame itself is ill-formed (wrong number of elements, a field of the wrong shape), as
  /// opposed to a well-formed frame naming a type this node cannot use, or a body that does not
  /// convert to its type (an unknown type, counted as such).
  bool malformed = true;
};

/// The kind of a frame, or an error if it is not an array starting with a known kind.
std::variant<frame_kind, decode_error> kind_of(const msgpack::object& frame);
std::variant<hello_frame, decode_error> decode_hello(const msgpack::object& frame);
std::variant<challenge_frame, decode_error> decode_challenge(const msgpack::object& frame);
std::variant<proof, decode_error> decode_auth(const msgpack::object& frame);
std::string decode_reject_reason(const msgpack::object& frame);
/// The watch flag of a HEARTBEAT: none for a plain [6]; an error if the flag is not a bool.
std::variant<std::optional<bool>, decode_error> decode_heartbeat_watch(const msgpack::object& frame);
/// The receipt of a HEARTBEAT [6, flag or nil, received]; none for any other shape.
std::optional<std::uint64_t> decode_heartbeat_receipt(const msgpack::object& frame);
std::variant<lost_report, decode_error> decode_lost(const msgpack::object& frame);

/// Type ids a peer defined on one connection (type_def frames).
class type_table {
 public:
  /// Records a definition; false if the frame is malformed or the name unknown here (the id
  /// then resolves to nothing and messages using it are counted as unknown types).
  std::variant<const message_type*, decode_error> define(const msgpack::object& frame);
  [[nodiscard]] const message_type* find(std::uint32_t id) const;

 private:
  std::unordered_map<std::uint32_t, const message_type*> by_id_;
};

/// A decoded message frame.
struct inbound_message {
  envelope_ptr envelope;  ///< payload, sender and correlation filled in
  pid to;                 ///< target pid, or null when addressed by name
  std::string to_name;    ///< target name when addressed by name
};

/// Decodes a message frame into an envelope. Errors: a malformed frame (wrong arity; a type,
/// target, sender or correlation field of the wrong shape), or, with `malformed` false, an
/// unknown type (by id or name), a local-only type, or a body that does not decode as its type.
std::variant<inbound_message, decode_error> decode_message(const msgpack::object& frame, const type_table& types);

}  // namespace troupe::transport
