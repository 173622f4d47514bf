#include "troupe/node/behaviour/restart_strategy.hpp"

namespace troupe {
namespace {

/// The failed child and every child started after it are restarted: later children depend on
/// earlier ones.
class rest_for_one final : public restart_strategy {
 public:
  std::vector<std::size_t> affected(std::size_t failed, std::size_t count) const override {
    std::vector<std::size_t> rest;
    for (std::size_t i = failed; i < count; ++i) rest.push_back(i);
    return rest;
  }
};

}  // namespace

const restart_strategy& rest_for_one_strategy() noexcept {
  static const rest_for_one s;
  return s;
}

}  // namespace troupe
