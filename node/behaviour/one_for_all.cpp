#include "troupe/node/behaviour/restart_strategy.hpp"

namespace troupe {
namespace {

/// Every child is restarted: the children only work together.
class one_for_all final : public restart_strategy {
 public:
  std::vector<std::size_t> affected(std::size_t, std::size_t count) const override {
    std::vector<std::size_t> all(count);
    for (std::size_t i = 0; i < count; ++i) all[i] = i;
    return all;
  }
};

}  // namespace

const restart_strategy& one_for_all_strategy() noexcept {
  static const one_for_all s;
  return s;
}

}  // namespace troupe
