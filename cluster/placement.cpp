#include "troupe/cluster/placement.hpp"

#include <algorithm>

namespace troupe {
namespace {

std::uint64_t fnv1a(std::uint64_t h, std::string_view s) noexcept {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::uint64_t splitmix64(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// The highest-weight member of `members` accepted by `fits`; ties (astronomically rare) go to
/// the smaller name, so the choice stays deterministic.
template <class Fits>
std::optional<std::string> best(std::string_view id, std::span<const std::string> members, Fits fits) {
  const std::string* winner = nullptr;
  std::uint64_t top = 0;
  for (auto& m : members) {
    if (!fits(m)) continue;
    auto w = rendezvous_weight(id, m);
    if (!winner || w > top || (w == top && m < *winner)) winner = &m, top = w;
  }
  if (!winner) return std::nullopt;
  return *winner;
}

}  // namespace

std::uint64_t rendezvous_weight(std::string_view child_id, std::string_view member) noexcept {
  auto h = fnv1a(0xcbf29ce484222325ULL, child_id);
  h = fnv1a(h ^ 0xff, member);  // a separator, so ("ab","c") and ("a","bc") differ
  return splitmix64(h);
}

std::optional<std::string> rendezvous_placement::owner(const placement_request& child,
                                                       std::span<const std::string> members) const {
  auto preferred = [&](const std::string& m) {
    return std::find(child.preferred.begin(), child.preferred.end(), m) != child.preferred.end();
  };
  if (!child.preferred.empty()) {
    if (auto o = best(child.child_id, members, preferred)) return o;
    if (child.pinned) return std::nullopt;
  }
  return best(child.child_id, members, [](const std::string&) { return true; });
}

std::shared_ptr<const placement_strategy> uniform_placement() {
  static const auto strategy = std::make_shared<const rendezvous_placement>();
  return strategy;
}

}  // namespace troupe
