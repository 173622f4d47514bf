#include "troupe/registry/registry_server.hpp"

#include "troupe/node/actor_system.hpp"

namespace troupe {

behavior registry_server::make_behavior() {
  return {
      [this](const detail::registry_watch& w) { reconcile(w.who); },
      [this](const down_msg& d) { on_down(d); },
  };
}

void registry_server::on_exit(const exit_reason&) { table_->server_stopped(); }

void registry_server::reconcile(const pid& who) {
  const bool holds = table_->holds_entries(who);
  auto it = monitors_.find(who);
  if (holds && it == monitors_.end()) {
    monitors_.emplace(who, monitor(who));
  } else if (!holds && it != monitors_.end()) {
    demonitor(it->second);
    monitors_.erase(it);
  }
}

void registry_server::on_down(const down_msg& d) {
  auto it = monitors_.find(d.who);
  if (it == monitors_.end() || it->second != d.ref) return;
  monitors_.erase(it);
  table_->erase_process(d.who);
}

}  // namespace troupe
