#include "troupe/registry/global_peers.hpp"

namespace troupe {

std::vector<std::string> global_peers::up() const {
  std::vector<std::string> out;
  std::lock_guard lock(mutex_);
  if (!net_) return out;
  for (const auto& p : net_->peers())
    if (p.up) out.push_back(p.name);
  return out;
}

void global_peers::monitor_nodes(const pid& p, bool on) {
  std::lock_guard lock(mutex_);
  if (net_) net_->monitor_nodes(p, on);
}

void global_peers::detach() {
  std::lock_guard lock(mutex_);
  net_ = nullptr;
}

}  // namespace troupe
