#include "troupe/cluster/child_events.hpp"

#include <set>

namespace troupe {
namespace {

std::string restarts_text(std::uint32_t n) { return "restart " + std::to_string(n); }

/// The events of a child that runs now, given what was known of it.
void running(const global_child_info& c, const std::string* was_on, const std::string& last_node,
             std::uint32_t restarts_before, const pid& child_before, event_timeline& out) {
  if (was_on && *was_on == c.node) {  // still on the same node
    if (c.child == child_before) return;
    if (c.restarts > restarts_before) out.record("child.restarted", c.id, c.node, c.node, restarts_text(c.restarts));
    else out.record("child.started", c.id, {}, c.node, "again, as " + c.child.to_string());
    return;
  }
  if (!last_node.empty() && last_node != c.node) return (void)out.record("child.moved", c.id, last_node, c.node);
  if (!last_node.empty() && c.restarts > restarts_before)
    return (void)out.record("child.restarted", c.id, c.node, c.node, restarts_text(c.restarts));
  out.record("child.started", c.id, {}, c.node);
}

}  // namespace

void child_event_tracker::observe(const std::vector<global_child_info>& now, event_timeline& out) {
  std::set<std::string> present;
  for (auto& c : now) {
    present.insert(c.id);
    auto [it, fresh] = known_.try_emplace(c.id);
    seen& k = it->second;
    if (!c.node.empty()) {
      running(c, fresh || k.node.empty() ? nullptr : &k.node, k.last_node, k.restarts, k.child, out);
      k.last_node = c.node;
    } else {
      if (!k.node.empty()) out.record("child.stopped", c.id, k.node, {}, c.failed ? "failed" : c.waiting);
      if (c.failed && !k.failed) out.record("child.failed", c.id, k.last_node, {}, "gave up after " + restarts_text(c.restarts));
      else if (!c.failed && !c.waiting.empty() && c.waiting != k.waiting) out.record("child.waiting", c.id, {}, {}, c.waiting);
    }
    k.node = c.node;
    k.child = c.child;
    k.restarts = c.restarts;
    k.failed = c.failed;
    k.waiting = c.waiting;
  }
  for (auto it = known_.begin(); it != known_.end();) {
    if (present.contains(it->first)) {
      ++it;
      continue;
    }
    out.record("child.removed", it->first, it->second.node);
    it = known_.erase(it);
  }
}

}  // namespace troupe
