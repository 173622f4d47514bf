#pragma once
/// @file
/// The event log of the chaos actors: one JSON object per line, appended with one write(2) each
/// to the file named by `TROUPE_CHAOS_LOG`, so the lines of a node killed with SIGKILL are all
/// there and whole. Lines carry `t` (wall-clock seconds, shared by every node on one machine),
/// `node`, `ev` and the event's own fields.

#include <cstdint>
#include <string>
#include <string_view>

namespace troupe::chaos {

/// Builds one flat JSON object field by field.
class json_object {
 public:
  json_object& field(std::string_view key, std::string_view value);
  json_object& field(std::string_view key, const char* value) { return field(key, std::string_view(value)); }
  json_object& field(std::string_view key, std::int64_t value);
  json_object& field(std::string_view key, std::uint64_t value);
  json_object& field(std::string_view key, bool value);
  /// Adds `value` as it is: it must already be JSON.
  json_object& raw(std::string_view key, std::string_view value);
  [[nodiscard]] std::string str() const { return text_ + "}"; }

 private:
  void key(std::string_view k);
  std::string text_ = "{";
};

/// A JSON string literal for `s` (quotes and escapes included).
std::string json_quote(std::string_view s);

/// Appends `{"t":…, "node": node, "ev": event, …fields}` to the log, if one is configured.
/// `fields` is a json_object whose fields are added after those. @threadsafe
void log_event(std::string_view node, std::string_view event, const json_object& fields);

}  // namespace troupe::chaos
