#include "troupe/node/log_limiter.hpp"

#include <limits>

#include "troupe/node/log.hpp"
#include "troupe/node/pid.hpp"

namespace troupe {
namespace {

/// Keys past `max_keys` share this node number.
constexpr std::uint32_t overflow_node = std::numeric_limits<std::uint32_t>::max();

/// Which node the lines were about: the sender's, or the peer's for a send refused to it.
std::string node_text(std::uint32_t node) {
  if (node == overflow_node) return "(other nodes)";
  if (node == 0) return "(no known node)";  // the null pid's node; peers not authenticated
  return "(node '" + node_name(node) + "')";
}

long long whole_seconds(duration d) { return std::chrono::duration_cast<std::chrono::seconds>(d).count(); }

}  // namespace

log_limiter::window& log_limiter::window_for(const key& k, time_point now) {
  if (auto it = windows_.find(k); it != windows_.end()) return it->second;
  if (windows_.size() >= options_.max_keys) {
    // Forget keys whose interval ended with nothing left to report, then share one key.
    std::erase_if(windows_, [&](auto& kv) { return kv.second.suppressed == 0 && now - kv.second.start >= options_.interval; });
    if (windows_.size() >= options_.max_keys) return windows_[key{k.kind, overflow_node}];
  }
  return windows_.emplace(k, window{now}).first->second;
}

log_limiter::verdict log_limiter::admit(std::string_view kind, std::uint32_t node, time_point now) {
  std::lock_guard lock(mutex_);
  window& w = window_for(key{kind, node}, now);
  verdict v;
  if (w.logged == 0 && w.suppressed == 0) w.start = now;  // a fresh (or shared, unused) key
  if (now - w.start >= options_.interval) {
    v.suppressed = w.suppressed;
    w = window{now};
  }
  if (w.logged < options_.burst) {
    ++w.logged;
    v.log = true;
    v.last = w.logged == options_.burst;
  } else {
    ++w.suppressed;
  }
  return v;
}

void note_suppressed(std::string_view kind, std::uint32_t node, std::uint64_t count, duration interval) {
  log()->warn("suppressed {} more warnings about '{}' {} in the last {} s", count, kind, node_text(node),
              whole_seconds(interval));
}

void note_suppressing(std::string_view kind, std::uint32_t node, duration interval) {
  log()->warn("further warnings about '{}' {} are suppressed for {} s (still counted in the metrics)", kind, node_text(node),
              whole_seconds(interval));
}

}  // namespace troupe
