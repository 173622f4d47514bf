#include "simulation/checks.hpp"

#include <algorithm>

namespace troupe::sim {
namespace {

std::string list(const std::vector<std::pair<std::string, pid>>& names) {
  std::string out;
  for (auto& [n, p] : names) out += " " + n + "=" + p.to_string();
  return out.empty() ? " (none)" : out;
}

}  // namespace

std::vector<std::string> check_nodes(world& w) {
  std::vector<std::string> out;
  for (auto& m : w.members()) {
    if (!m.up()) {
      out.push_back(m.name + " is not running after the heal");
      continue;
    }
    auto& sys = m.n->system();
    for (const char* service : {"troupe.membership", "troupe.global_registry", "troupe.global_supervisor"}) {
      auto p = sys.whereis(service);
      if (!p || !sys.alive(*p)) out.push_back(m.name + ": system process '" + std::string(service) + "' is gone");
    }
    for (auto& other : w.members()) {
      if (&other == &m) continue;
      bool seen = false;
      for (auto& mem : m.n->membership().members())
        if (mem.name == other.name) seen = mem.state == member_state::up && mem.creation == other.creation;
      if (!seen) out.push_back(m.name + " does not see " + other.name + " up (creation " + std::to_string(other.creation) + ")");
    }
  }
  return out;
}

std::vector<std::string> check_names(world& w) {
  std::vector<std::string> out;
  std::vector<std::pair<std::string, pid>> reference;
  std::string reference_node;
  for (auto& m : w.members()) {
    if (!m.up()) continue;
    auto names = m.names->registered_names();
    std::sort(names.begin(), names.end());
    for (auto& [name, holder] : names)
      if (!w.alive(holder)) out.push_back(m.name + ": '" + name + "' resolves to " + holder.to_string() + ", which is dead");
    if (reference_node.empty()) {
      reference = names;
      reference_node = m.name;
    } else if (names != reference) {
      out.push_back("names differ: " + reference_node + " has" + list(reference) + "; " + m.name + " has" + list(names));
    }
  }
  return out;
}

std::vector<std::string> check_children(world& w, std::size_t children) {
  std::vector<std::string> out;
  auto& h = w.log();
  if (h.exclusivity_claimed)
    for (auto& d : h.duplicates) out.push_back("while running: " + d);
  for (std::size_t c = 0; c < children; ++c) {
    std::string id = "child-" + std::to_string(c);
    auto& live = h.running[id];
    if (live.size() != 1) {
      out.push_back("global child '" + id + "' runs " + std::to_string(live.size()) + " times after the heal");
      continue;
    }
    pid p = *live.begin();
    if (!w.alive(p)) out.push_back("global child '" + id + "' is recorded as " + p.to_string() + ", which is dead");
    for (auto& m : w.members()) {
      if (!m.up()) continue;
      auto kids = m.supervisor->which_children();
      auto it = std::find_if(kids.begin(), kids.end(), [&](auto& k) { return k.id == id; });
      if (it == kids.end())
        out.push_back(m.name + " does not know global child '" + id + "'");
      else if (it->child != p)
        out.push_back(m.name + " places global child '" + id + "' at " + it->child.to_string() + " ('" + it->node +
                      "'), but it runs as " + p.to_string());
    }
  }
  return out;
}

std::vector<std::string> check_monitors(world& w) {
  std::vector<std::string> out;
  for (auto& [key, m] : w.log().monitors) {
    std::string what = "monitor of " + m.target.to_string() + " by " + m.watcher.to_string();
    if (m.fired > 1) out.push_back(what + " fired " + std::to_string(m.fired) + " times (" + m.reasons + ")");
    if (m.fired == 0 && w.alive(m.watcher) && !w.alive(m.target))
      out.push_back(what + " never fired, though the target is dead");
  }
  return out;
}

std::vector<std::string> check_streams(world& w) {
  std::vector<std::string> out;
  for (auto& [key, s] : w.log().streams) {
    std::string what = "stream " + key.first.to_string() + " -> " + key.second.to_string();
    std::uint64_t last = 0;
    for (auto seq : s.received) {
      if (seq <= last) {
        out.push_back(what + ": message " + std::to_string(seq) + " arrived after " + std::to_string(last));
        break;
      }
      for (std::uint64_t missing = last + 1; missing < seq; ++missing) {
        bool covered = std::any_of(s.breaks.begin(), s.breaks.end(), [&](auto b) { return b >= missing && b < seq; });
        if (!covered) {
          out.push_back(what + ": message " + std::to_string(missing) + " was lost, yet " + std::to_string(seq) +
                        " arrived with no noconnection in between");
          break;
        }
      }
      last = seq;
    }
  }
  return out;
}

}  // namespace troupe::sim
