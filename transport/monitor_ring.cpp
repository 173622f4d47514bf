#include "troupe/transport/monitor_ring.hpp"

#include <algorithm>

namespace troupe::transport {

namespace {

/// The members other than `self`, in ring order starting after `self` (forward) or before it
/// (backward), at most `k` of them.
std::vector<std::string> walk(std::string_view self, std::span<const std::string> members, std::size_t k, bool forward) {
  std::vector<std::string> out;
  const std::size_t n = members.size();
  if (n == 0 || k == 0) return out;
  // Where `self` sits (or would sit) in the sorted list.
  auto it = std::ranges::lower_bound(members, self, std::less<>{}, [](const std::string& s) -> std::string_view { return s; });
  std::size_t at = static_cast<std::size_t>(it - members.begin());
  const bool present = it != members.end() && *it == self;
  // Forward starts at the first name after self; backward at the last name before it.
  std::size_t i = forward ? (present ? at + 1 : at) % n : (at + n - 1) % n;
  for (std::size_t step = 0; step < n && out.size() < k; ++step) {
    if (members[i] != self) out.push_back(members[i]);
    i = forward ? (i + 1) % n : (i + n - 1) % n;
  }
  return out;
}

}  // namespace

std::vector<std::string> ring_successors(std::string_view self, std::span<const std::string> members, std::size_t k) {
  return walk(self, members, k, true);
}

std::vector<std::string> ring_predecessors(std::string_view self, std::span<const std::string> members, std::size_t k) {
  return walk(self, members, k, false);
}

}  // namespace troupe::transport
