#pragma once
/// @file
/// Troupe's error vocabulary: `errc` codes, `error` values and `result<T>`.
/// Module boundaries return `result<T>`; exceptions never cross them.

#include <expected>
#include <memory>
#include <string>
#include <system_error>

namespace troupe {

/// Error codes returned across module boundaries.
enum class errc {
  /// The target process does not exist (never did, or has exited).
  noproc = 1,
  /// The node hosting the target is unreachable.
  noconnection,
  /// A deadline passed before the operation completed.
  timeout,
  /// A name is already registered to another process.
  name_taken,
  /// A name or key is not registered.
  not_found,
  /// The argument is malformed or out of range.
  invalid_argument,
  /// The node is shutting down and accepts no new work.
  shutting_down,
  /// The peer or caller is not authorised (wrong cookie).
  unauthorized,
  /// Encoding or decoding a message failed.
  codec,
  /// A bounded queue or table is full.
  overloaded,
  /// A process started but its init callback failed.
  init_failed,
  /// The process exited while the operation was in flight.
  exited,
  /// The message type is not known to this node.
  unknown_type,
  /// The called process has no handler for the call's message type (it answered at once).
  unhandled,
};

/// The `std::error_category` of `errc`, so `errc` works as a `std::error_code`.
const std::error_category& troupe_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), troupe_category()};
}

/// An error: a code, a context string, and an optional cause (error chains).
class error {
 public:
  error(errc code, std::string context = {}) : code_(code), context_(std::move(context)) {}
  error(errc code, std::string context, error cause)
      : code_(code), context_(std::move(context)), cause_(std::make_shared<error>(std::move(cause))) {}

  [[nodiscard]] errc code() const noexcept { return code_; }
  [[nodiscard]] const std::string& context() const noexcept { return context_; }
  [[nodiscard]] const error* cause() const noexcept { return cause_.get(); }
  /// "timeout: call to <n1.1.4>" followed by ": caused by ..." for each cause.
  [[nodiscard]] std::string message() const;

  friend bool operator==(const error& a, errc b) noexcept { return a.code_ == b; }

 private:
  errc code_;
  std::string context_;
  std::shared_ptr<const error> cause_;
};

/// The short name of an error code, e.g. "noproc".
const char* to_string(errc e) noexcept;

template <class T>
using result = std::expected<T, error>;

/// Shorthand for returning an error from a function returning `result<T>`.
inline std::unexpected<error> fail(errc code, std::string context = {}) {
  return std::unexpected<error>(error(code, std::move(context)));
}

}  // namespace troupe

template <>
struct std::is_error_code_enum<troupe::errc> : std::true_type {};
