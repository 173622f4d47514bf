#include "troupe/node/behaviour/restart_strategy.hpp"

namespace troupe {
namespace {

/// Only the failed child is restarted: its siblings are independent of it.
class one_for_one final : public restart_strategy {
 public:
  std::vector<std::size_t> affected(std::size_t failed, std::size_t) const override { return {failed}; }
};

}  // namespace

const restart_strategy& one_for_one_strategy() noexcept {
  static const one_for_one s;
  return s;
}

const restart_strategy& restart_strategy::of(strategy s) noexcept {
  switch (s) {
    case strategy::one_for_all: return one_for_all_strategy();
    case strategy::rest_for_one: return rest_for_one_strategy();
    case strategy::one_for_one: break;
  }
  return one_for_one_strategy();
}

}  // namespace troupe
