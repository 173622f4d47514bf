#include "tools/troupe_node/chaos_event_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "troupe/node/log.hpp"

namespace troupe::chaos {
namespace {

/// The log's file descriptor, opened once (O_APPEND: concurrent writers never interleave a line).
int log_fd() {
  static const int fd = [] {
    const char* path = std::getenv("TROUPE_CHAOS_LOG");
    if (!path || !*path) return -1;
    int fd = ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    // Without the log the chaos checkers see no events and fail far from the cause: say it here.
    if (fd < 0) log()->error("cannot open the chaos event log {}: {}", path, std::strerror(errno));
    return fd;
  }();
  return fd;
}

double wall_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void json_object::key(std::string_view k) {
  if (text_.size() > 1) text_ += ", ";
  text_ += json_quote(k) + ": ";
}

json_object& json_object::field(std::string_view k, std::string_view value) { return raw(k, json_quote(value)); }
json_object& json_object::field(std::string_view k, std::int64_t value) { return raw(k, std::to_string(value)); }
json_object& json_object::field(std::string_view k, std::uint64_t value) { return raw(k, std::to_string(value)); }
json_object& json_object::field(std::string_view k, bool value) { return raw(k, value ? "true" : "false"); }

json_object& json_object::raw(std::string_view k, std::string_view value) {
  key(k);
  text_ += value;
  return *this;
}

void log_event(std::string_view node, std::string_view event, const json_object& fields) {
  int fd = log_fd();
  if (fd < 0) return;
  char t[32];
  std::snprintf(t, sizeof t, "%.6f", wall_seconds());
  json_object head;
  head.raw("t", t).field("node", node).field("ev", event);
  std::string line = head.str();
  std::string rest = fields.str();  // "{...}"
  if (rest.size() > 2) line.insert(line.size() - 1, ", " + rest.substr(1, rest.size() - 2));
  line += '\n';
  [[maybe_unused]] auto n = ::write(fd, line.data(), line.size());
}

}  // namespace troupe::chaos
