#include "troupe/registry/conflict_policy.hpp"

#include <tuple>

namespace troupe {

bool wins_conflict(const global_entry& a, const global_entry& b) noexcept {
  auto key = [](const global_entry& e) {
    return std::tuple<std::uint64_t, const std::string&, std::uint32_t, std::uint64_t>(
        e.stamp, node_name(e.holder.node), e.holder.creation, e.holder.serial);
  };
  return key(a) < key(b);
}

exit_reason name_conflict_reason(const std::string& name) { return exit_reason::error("name_conflict " + name); }

}  // namespace troupe
