#include "troupe/cluster/global_supervisor_holds.hpp"

namespace troupe::gs {

void takeover_holds::lost(const std::string& node, const std::vector<std::string>& running, time_point now,
                          duration grace) {
  lost_at_[node] = now;
  for (auto& id : running) {
    hold_until_[id] = now + grace;
    orphaned_.insert(id);
  }
}

void takeover_holds::expire(time_point now, duration grace) {
  std::erase_if(lost_at_, [&](auto& kv) { return kv.second + grace <= now; });
  std::erase_if(hold_until_, [&](auto& kv) { return kv.second <= now; });
}

}  // namespace troupe::gs
