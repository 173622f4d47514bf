#pragma once
/// @file
/// JSON <-> MessagePack for operator tools (troupectl) talking to the admin process.
///
/// Values map one to one: null/nil, booleans, integers, floats, strings, arrays, and objects/maps
/// with string keys. Two Troupe-specific rules:
/// - a pid (MessagePack ext 1) reads as its text `"<n1.3.42>"`, and a JSON string of exactly that
///   form becomes a pid, so pids can be passed as arguments;
/// - binary and other ext values read as `{"$bin": "<hex>"}` / `{"$ext": type, "hex": "<hex>"}`.
///
/// Messages: a JSON string is a `troupe.text`, a JSON object a `troupe.map`. A typed message
/// (`--type troupe.counter.inc --args '{"by":2}'`) takes its fields as a JSON array in declaration
/// order, or as an object for the types whose field names are known here (`message_fields`),
/// because message bodies are MessagePack arrays and carry no field names.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "troupe/ops/admin_messages.hpp"
#include "troupe/node/error.hpp"

namespace troupe {

/// A message ready for `admin_send` / `admin_call`: wire type name and MessagePack body.
struct wire_message {
  std::string type;
  packed_value body;
};

/// Encodes a JSON value as one MessagePack value.
[[nodiscard]] packed_value to_msgpack(const nlohmann::json& value);
/// Decodes one MessagePack value as JSON.
[[nodiscard]] nlohmann::json to_json(const msgpack::object& value);
/// Decodes an encoded value as JSON (nil if empty); `codec` error if the bytes are not MessagePack.
[[nodiscard]] result<nlohmann::json> to_json(const packed_value& value);

/// The field names of the message types troupectl knows by name (the generic ones and the
/// builtin counter's); nullopt for any other type.
[[nodiscard]] std::optional<std::vector<std::string>> message_fields(const std::string& type);

/// A JSON string as `troupe.text`, an object as `troupe.map`; other JSON values are refused.
[[nodiscard]] result<wire_message> message_from_json(const nlohmann::json& value);
/// A message of `type` from JSON arguments: an array (fields in order), an object (known types
/// only, see `message_fields`; missing fields keep their defaults), or null (no fields).
[[nodiscard]] result<wire_message> typed_message_from_json(const std::string& type, const nlohmann::json& args);
/// A received message as JSON: `troupe.text` as its string, `troupe.map` as an object, known
/// types as an object of their fields, any other type as its body (usually an array).
[[nodiscard]] result<nlohmann::json> message_to_json(const std::string& type, const packed_value& body);

}  // namespace troupe
