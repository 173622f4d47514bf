#pragma once
/// @file
/// Why a process exited, with Erlang's vocabulary.
///
/// | kind         | Erlang         | propagates through a link to a process not trapping exits |
/// |--------------|----------------|-----------------------------------------------------------|
/// | normal       | normal         | no                                                        |
/// | shutdown     | shutdown       | yes                                                       |
/// | kill         | kill           | sent with exit(pid, kill): cannot be trapped, the target dies with `killed`. A process that ends with reason `kill` itself sends an ordinary, trappable signal with reason `kill` (so does the non-trapping process it takes down) |
/// | killed       | killed         | yes                                                       |
/// | noproc       | noproc         | yes (link to a dead pid)                                  |
/// | noconnection | noconnection   | yes (the peer node was lost)                              |
/// | error        | {error, Term}  | yes; `detail` says what went wrong (e.g. an exception's text) |

#include <cstdint>
#include <ostream>
#include <string>

namespace troupe {

class exit_reason {
 public:
  enum class kind : std::uint8_t { normal, shutdown, kill, killed, noproc, noconnection, error };

  exit_reason() = default;
  exit_reason(kind k, std::string detail = {}) : kind_(k), detail_(std::move(detail)) {}

  static exit_reason normal() { return {kind::normal}; }
  static exit_reason shutdown(std::string detail = {}) { return {kind::shutdown, std::move(detail)}; }
  static exit_reason kill() { return {kind::kill}; }
  static exit_reason killed() { return {kind::killed}; }
  static exit_reason noproc() { return {kind::noproc}; }
  static exit_reason noconnection() { return {kind::noconnection}; }
  static exit_reason error(std::string detail) { return {kind::error, std::move(detail)}; }

  [[nodiscard]] kind what() const noexcept { return kind_; }
  [[nodiscard]] const std::string& detail() const noexcept { return detail_; }
  [[nodiscard]] bool is_normal() const noexcept { return kind_ == kind::normal; }
  /// normal and shutdown (with or without detail) are the reasons a transient child is not restarted for.
  [[nodiscard]] bool is_clean() const noexcept { return kind_ == kind::normal || kind_ == kind::shutdown; }

  /// "normal", "killed", "error: division by zero", "shutdown: draining".
  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const exit_reason&, const exit_reason&) = default;
  friend bool operator==(const exit_reason& r, kind k) noexcept { return r.kind_ == k; }

 private:
  kind kind_ = kind::normal;
  std::string detail_;
};

const char* to_string(exit_reason::kind k) noexcept;
std::ostream& operator<<(std::ostream& os, const exit_reason& r);

}  // namespace troupe
