#pragma once
/// @file
/// Restart strategies: which siblings a child's failure takes down with it (OTP one_for_one,
/// one_for_all, rest_for_one). Each lives in a file of its own behind this interface.
///
/// The supervisor stops the affected children other than the failed one in reverse start order,
/// drops the temporary ones among them, and starts the rest again in start order.

#include <cstddef>
#include <vector>

namespace troupe {

enum class strategy { one_for_one, one_for_all, rest_for_one };

class restart_strategy {
 public:
  virtual ~restart_strategy() = default;
  /// Positions (in start order, ascending) of the children restarted when the child at
  /// `failed` of `count` fails; `failed` is always among them.
  [[nodiscard]] virtual std::vector<std::size_t> affected(std::size_t failed, std::size_t count) const = 0;

  /// The strategy object for `s` (a stateless singleton).
  static const restart_strategy& of(strategy s) noexcept;
};

const restart_strategy& one_for_one_strategy() noexcept;
const restart_strategy& one_for_all_strategy() noexcept;
const restart_strategy& rest_for_one_strategy() noexcept;

}  // namespace troupe
