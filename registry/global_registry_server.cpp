#include "troupe/registry/global_registry_server.hpp"

#include "troupe/node/actor_system.hpp"

namespace troupe {
namespace detail {
/// Time for the periodic full sync (anti-entropy).
struct global_names_resync {};
}  // namespace detail
}  // namespace troupe

TROUPE_LOCAL_MESSAGE(troupe::detail::global_names_resync, "troupe.global.resync");

namespace troupe {

behavior global_registry_server::make_behavior() {
  return {
      [this](const detail::global_names_resync&) { on_resync(); },
      [this](const detail::global_name_watch& w) { on_watch(w); },
      [this](const down_msg& d) { on_down(d); },
      [this](const global_name_added& a) { on_added(a); },
      [this](const global_name_removed& r) { on_removed(r); },
      [this](const global_names_sync& s) { on_sync(s); },
      [this](const node_up& u) { on_node_up(u); },
      [this](const node_down& d) { on_node_down(d); },
  };
}

void global_registry_server::on_start() {
  // Subscribe before listing the peers, so a peer that comes up in between is not missed (it
  // would at worst be synced twice, which is harmless).
  peers_->monitor_nodes(self(), true);
  for (const auto& node : peers_->up()) send_sync(node, true);
  if (sync_interval_ > duration{0}) send_after(self(), sync_interval_, detail::global_names_resync{});
}

void global_registry_server::on_resync() {
  for (const auto& node : peers_->up()) send_sync(node, false);
  send_after(self(), sync_interval_, detail::global_names_resync{});
}

void global_registry_server::send_sync(const std::string& node, bool reply) {
  peers_->send(node, self(), global_names_sync{table_->local_entries(), reply});
}

void global_registry_server::on_node_up(const node_up& u) {
  table_->drop_stale(intern_node(u.node), u.creation);
  send_sync(u.node, false);
}

void global_registry_server::on_node_down(const node_down& d) { table_->drop_node(intern_node(d.node), d.creation); }

void global_registry_server::on_sync(const global_names_sync& s) {
  std::vector<global_entry> own;
  own.reserve(s.entries.size());
  for (const auto& e : s.entries)
    if (from_owner(e.holder)) own.push_back(e);
  resolve_lost(table_->replace_owner(sender().node, own));
  if (s.reply) send_sync(node_name(sender().node), false);
}

void global_registry_server::on_added(const global_name_added& a) {
  if (from_owner(a.entry.holder)) resolve_lost(table_->merge({a.entry}));
}

void global_registry_server::on_removed(const global_name_removed& r) {
  if (from_owner(r.holder)) table_->erase_remote(r.name, r.holder);
}

void global_registry_server::on_watch(const detail::global_name_watch& w) {
  if (!w.added) {
    untrack(w.entry.name, w.entry.holder);
    peers_->broadcast(self(), global_name_removed{w.entry.name, w.entry.holder});
    return;
  }
  // Announce only what still holds: a registration undone (or displaced) since is not news.
  if (!table_->holds(w.entry)) return;
  track(w.entry);
  peers_->broadcast(self(), global_name_added{w.entry});
}

void global_registry_server::track(const global_entry& e) {
  auto [it, fresh] = watched_.try_emplace(e.holder);
  if (fresh) it->second.ref = monitor(e.holder);
  it->second.names.insert(e.name);
}

void global_registry_server::untrack(const std::string& name, const pid& holder) {
  auto it = watched_.find(holder);
  if (it == watched_.end()) return;
  it->second.names.erase(name);
  if (!it->second.names.empty()) return;
  demonitor(it->second.ref);
  watched_.erase(it);
}

void global_registry_server::on_down(const down_msg& d) {
  auto it = watched_.find(d.who);
  if (it == watched_.end() || it->second.ref != d.ref) return;
  auto names = std::move(it->second.names);
  watched_.erase(it);
  // erase_local tells this server again (a watch with added = false), which broadcasts.
  for (const auto& name : names) table_->erase_local(name, d.who);
}

void global_registry_server::resolve_lost(const std::vector<global_entry>& displaced) {
  for (const auto& loser : displaced) {
    untrack(loser.name, loser.holder);
    peers_->broadcast(self(), global_name_removed{loser.name, loser.holder});
    auto winner = table_->whereis(loser.name).value_or(pid{});
    if (policy_ == conflict_policy::exit)
      exit(loser.holder, name_conflict_reason(loser.name));
    else
      send(loser.holder, name_conflict{loser.name, winner});
  }
}

}  // namespace troupe
