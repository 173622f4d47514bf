#pragma once
/// @file
/// `init_result`: what `gen_server::init` returns — OTP's `{ok, State}`, `{ok, State, {continue,
/// Arg}}`, `{stop, Reason}` and `ignore` (the state itself lives in the object's members).

#include <any>
#include <utility>

#include "troupe/node/exit_reason.hpp"

namespace troupe {

class init_result {
 public:
  enum class kind { ok, stop, ignore };

  /// The server runs.
  static init_result ok() { return init_result(kind::ok); }
  /// The server runs, and `handle_continue(arg)` runs right after the start is acknowledged and
  /// before any message: the place for slow setup that should not hold up the starter.
  static init_result ok_then_continue(std::any arg) {
    init_result r(kind::ok);
    r.continue_ = std::move(arg);
    return r;
  }
  /// The start fails with `errc::init_failed` carrying `reason`; the process exits with `reason`
  /// (so a linked parent that does not trap exits dies with it unless it is normal, as in OTP).
  static init_result stop(exit_reason reason) {
    init_result r(kind::stop);
    r.reason_ = std::move(reason);
    return r;
  }
  /// The start succeeds without a process: the starter gets a null pid and the process exits
  /// normally. A supervisor keeps the child spec but no running child.
  static init_result ignore() { return init_result(kind::ignore); }

  [[nodiscard]] kind what() const noexcept { return kind_; }
  [[nodiscard]] const exit_reason& reason() const noexcept { return reason_; }
  [[nodiscard]] bool has_continue() const noexcept { return continue_.has_value(); }
  [[nodiscard]] std::any take_continue() noexcept { return std::exchange(continue_, {}); }

 private:
  explicit init_result(kind k) : kind_(k) {}
  kind kind_;
  exit_reason reason_;
  std::any continue_;
};

}  // namespace troupe
