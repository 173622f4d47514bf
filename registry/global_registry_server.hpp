#pragma once
/// @file
/// `global_registry_server`: the process that keeps one node's `name_table` in step with its
/// peers (registered locally as "troupe.global_registry"). The protocol is described in
/// `global_registry.hpp`.

#include <memory>
#include <set>
#include <string>
#include <unordered_map>

#include "troupe/node/actor.hpp"
#include "troupe/node/system_messages.hpp"
#include "troupe/registry/conflict_policy.hpp"
#include "troupe/registry/global_peers.hpp"
#include "troupe/registry/global_registry_messages.hpp"
#include "troupe/registry/name_table.hpp"
#include "troupe/transport/node_events.hpp"

namespace troupe {

class global_registry_server final : public actor {
 public:
  global_registry_server(std::shared_ptr<name_table> table, std::shared_ptr<global_peers> peers,
                         conflict_policy policy, duration sync_interval = {})
      : table_(std::move(table)), peers_(std::move(peers)), policy_(policy), sync_interval_(sync_interval) {}

 protected:
  behavior make_behavior() override;
  void on_start() override;

 private:
  // Peers.
  void on_node_up(const node_up& u);
  void on_node_down(const node_down& d);
  void on_sync(const global_names_sync& s);
  void on_added(const global_name_added& a);
  void on_removed(const global_name_removed& r);
  void send_sync(const std::string& node, bool reply);
  void on_resync();
  [[nodiscard]] bool from_owner(const pid& holder) const noexcept { return holder.node == sender().node; }

  // Local registrants.
  void on_watch(const detail::global_name_watch& w);
  void on_down(const down_msg& d);
  void track(const global_entry& e);
  void untrack(const std::string& name, const pid& holder);
  void resolve_lost(const std::vector<global_entry>& displaced);

  std::shared_ptr<name_table> table_;
  std::shared_ptr<global_peers> peers_;
  conflict_policy policy_;
  duration sync_interval_;
  struct watched {
    ref_id ref = 0;
    std::set<std::string> names;
  };
  /// Local registrants and the names they hold. @note Owning actor only.
  std::unordered_map<pid, watched> watched_;
};

}  // namespace troupe
