#pragma once
/// @file
/// Restart rules shared by the local supervisor and the global one: whether a restart type
/// restarts after an exit, and the restart intensity (OTP's MaxR restarts within MaxT).

#include <cstddef>
#include <deque>

#include "troupe/node/behaviour/child_spec.hpp"
#include "troupe/node/clock.hpp"
#include "troupe/node/exit_reason.hpp"

namespace troupe {

/// Whether a child with restart type `type` is restarted after exiting with `reason`.
[[nodiscard]] inline bool restarts_after(restart_type type, const exit_reason& reason) noexcept {
  return type == restart_type::permanent || (type == restart_type::transient && !reason.is_clean());
}

/// The restarts of the recent past, to tell when they come too often.
class restart_intensity {
 public:
  /// Counts a restart at `now`; false when that makes more than `max_restarts` within
  /// `window` (the supervisor then gives up).
  bool note(time_point now, std::size_t max_restarts, duration window) {
    restarts_.push_back(now);
    while (!restarts_.empty() && now - restarts_.front() > window) restarts_.pop_front();
    return restarts_.size() <= max_restarts;
  }
  /// Restarts within the window as of the last `note`.
  [[nodiscard]] std::size_t recent() const noexcept { return restarts_.size(); }

 private:
  std::deque<time_point> restarts_;
};

}  // namespace troupe
