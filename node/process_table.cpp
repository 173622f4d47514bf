#include "troupe/node/process_table.hpp"

#include <mutex>

#include "troupe/node/actor.hpp"

namespace troupe {

void process_table::insert(std::uint64_t serial, actor* a) {
  auto& s = shard_of(serial);
  std::lock_guard lock(s.lock);
  s.map.emplace(serial, a);
  size_.fetch_add(1, std::memory_order_relaxed);
}

bool process_table::erase(std::uint64_t serial) {
  actor* a = nullptr;
  {
    auto& s = shard_of(serial);
    std::lock_guard lock(s.lock);
    auto it = s.map.find(serial);
    if (it == s.map.end()) return false;
    a = it->second;
    s.map.erase(it);
    size_.fetch_sub(1, std::memory_order_relaxed);
  }
  intrusive_release(a);
  return true;
}

std::vector<actor*> process_table::snapshot() const {
  std::vector<actor*> out;
  out.reserve(size());
  for (auto& s : shards_) {
    std::lock_guard lock(s.lock);
    for (auto& [serial, a] : s.map) {
      intrusive_add_ref(a);
      out.push_back(a);
    }
  }
  return out;
}

}  // namespace troupe
