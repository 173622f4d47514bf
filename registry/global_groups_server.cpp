#include "troupe/registry/global_groups_server.hpp"

#include "troupe/node/actor_system.hpp"

namespace troupe {

behavior global_groups_server::make_behavior() {
  return {
      [this](const detail::global_group_watch& w) { on_watch(w); },
      [this](const down_msg& d) { on_down(d); },
      [this](const global_groups_joined& j) { table_->add(own(j.joined)); },
      [this](const global_groups_left& l) { table_->remove(own(l.left)); },
      [this](const global_groups_sync& s) { on_sync(s); },
      [this](const node_up& u) { on_node_up(u); },
      [this](const node_down& d) { on_node_down(d); },
  };
}

void global_groups_server::on_start() {
  peers_->monitor_nodes(self(), true);  // before listing peers, so none is missed
  for (const auto& node : peers_->up()) send_sync(node, true);
}

void global_groups_server::send_sync(const std::string& node, bool reply) {
  peers_->send(node, self(), global_groups_sync{table_->local_groups(), reply});
}

global_group global_groups_server::own(const global_group& g) const {
  global_group out{g.group, {}};
  for (const auto& p : g.members)
    if (p.node == sender().node) out.members.push_back(p);
  return out;
}

void global_groups_server::on_node_up(const node_up& u) {
  table_->drop_stale(intern_node(u.node), u.creation);
  send_sync(u.node, false);
}

void global_groups_server::on_node_down(const node_down& d) { table_->drop_node(intern_node(d.node), d.creation); }

void global_groups_server::on_sync(const global_groups_sync& s) {
  std::vector<global_group> mine;
  for (const auto& g : s.groups) mine.push_back(own(g));
  table_->replace_owner(sender().node, mine);
  if (s.reply) send_sync(node_name(sender().node), false);
}

void global_groups_server::on_watch(const detail::global_group_watch& w) {
  global_group g{w.group, {w.member}};
  if (!w.joined) {
    auto it = watched_.find(w.member);
    if (it != watched_.end() && it->second.groups.erase(w.group) && it->second.groups.empty()) {
      demonitor(it->second.ref);
      watched_.erase(it);
    }
    peers_->broadcast(self(), global_groups_left{g});
    return;
  }
  if (!table_->contains(w.group, w.member)) return;  // left again since: not news
  auto [it, fresh] = watched_.try_emplace(w.member);
  if (fresh) it->second.ref = monitor(w.member);
  it->second.groups.insert(w.group);
  peers_->broadcast(self(), global_groups_joined{g});
}

void global_groups_server::on_down(const down_msg& d) {
  auto it = watched_.find(d.who);
  if (it == watched_.end() || it->second.ref != d.ref) return;
  auto groups = std::move(it->second.groups);
  watched_.erase(it);
  // leave_local tells this server again (joined = false), which broadcasts the departure.
  for (const auto& g : groups) table_->leave_local(g, d.who);
}

}  // namespace troupe
