#pragma once
/// @file
/// `log_limiter`: keeps a warning that a remote peer can trigger once per message (an unhandled
/// type, a malformed frame, a spoofed sender) from flooding the log. Per kind of warning and
/// node (the sender's; the peer's for a send refused to it), at most `burst` lines per `interval`; the rest are counted, and the next line of
/// that kind after the interval says how many were suppressed (as Linux's printk_ratelimit
/// reports "N callbacks suppressed"). What happened is still counted by the metrics; only the
/// lines are limited.
///
/// ```
/// static log_limiter limiter;
/// log_limited(limiter, "unhandled", sender.node, clock.now(),
///             [&] { log()->warn("{} has no handler for '{}'", ...); });
/// ```

#include <cstdint>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "troupe/node/clock.hpp"

namespace troupe {

class log_limiter {
 public:
  struct options {
    /// Lines logged per key and interval.
    std::uint32_t burst = 5;
    duration interval = std::chrono::seconds(10);
    /// Keys tracked at most; past it, new keys share one (their lines are limited together).
    std::size_t max_keys = 4096;
  };

  /// What to do with one occurrence.
  struct verdict {
    bool log = false;           ///< write the line
    bool last = false;          ///< the last line of this interval: more will be suppressed
    std::uint64_t suppressed = 0;  ///< lines of this key suppressed in its previous interval
    explicit operator bool() const noexcept { return log; }
  };

  log_limiter() : log_limiter(options{}) {}
  explicit log_limiter(options o) : options_(o) {}

  /// Decides on one occurrence of `kind` from node `node` at `now`. `kind` must outlive the
  /// limiter (a string literal or a message type's name). @threadsafe
  [[nodiscard]] verdict admit(std::string_view kind, std::uint32_t node, time_point now);

  [[nodiscard]] const options& settings() const noexcept { return options_; }

 private:
  struct key {
    std::string_view kind;
    std::uint32_t node;
    bool operator==(const key&) const = default;
  };
  struct key_hash {
    std::size_t operator()(const key& k) const noexcept {
      return std::hash<std::string_view>{}(k.kind) ^ (std::size_t(k.node) * 0x9e3779b97f4a7c15ULL);
    }
  };
  struct window {
    time_point start;
    std::uint32_t logged = 0;
    std::uint64_t suppressed = 0;
  };

  window& window_for(const key& k, time_point now);

  const options options_;
  std::mutex mutex_;
  std::unordered_map<key, window, key_hash> windows_;
};

/// "suppressed N more warnings about 'kind' (node 'X') in the last 10 s" (a warning).
void note_suppressed(std::string_view kind, std::uint32_t node, std::uint64_t count, duration interval);
/// "further warnings about 'kind' (node 'X') are suppressed for 10 s" (a warning).
void note_suppressing(std::string_view kind, std::uint32_t node, duration interval);

/// Writes a line through `emit` if `limiter` admits it: first, if lines of this kind were
/// suppressed, one line saying how many; after the last line of an interval, one saying that
/// more will be suppressed. `emit` writes the line itself (so nothing is formatted for a
/// suppressed one).
template <class Emit>
void log_limited(log_limiter& limiter, std::string_view kind, std::uint32_t node, time_point now, Emit&& emit) {
  auto v = limiter.admit(kind, node, now);
  if (!v) return;
  if (v.suppressed > 0) note_suppressed(kind, node, v.suppressed, limiter.settings().interval);
  emit();
  if (v.last) note_suppressing(kind, node, limiter.settings().interval);
}

}  // namespace troupe
