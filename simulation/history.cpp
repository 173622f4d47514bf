#include "simulation/history.hpp"

namespace troupe::sim {
namespace {
thread_local history* current = nullptr;
}

history* current_history() noexcept { return current; }
void set_current_history(history* h) noexcept { current = h; }

void history::child_started(const std::string& id, const pid& p) {
  auto& live = running[id];
  if (!live.empty()) {
    std::string others;
    for (auto& o : live) others += " " + o.to_string();
    duplicates.push_back("global child '" + id + "' started as " + p.to_string() + " while running as" + others);
    note(duplicates.back());
  }
  live.insert(p);
  note("child '" + id + "' runs as " + p.to_string());
}

void history::child_stopped(const std::string& id, const pid& p) {
  running[id].erase(p);
  note("child '" + id + "' " + p.to_string() + " ended");
}

}  // namespace troupe::sim
