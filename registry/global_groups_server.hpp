#pragma once
/// @file
/// `global_groups_server`: the process that keeps one node's `global_group_table` in step with
/// its peers (registered locally as "troupe.process_groups"). Protocol: `process_groups.hpp`.

#include <memory>
#include <set>
#include <string>
#include <unordered_map>

#include "troupe/node/actor.hpp"
#include "troupe/node/system_messages.hpp"
#include "troupe/registry/global_group_table.hpp"
#include "troupe/registry/global_groups_messages.hpp"
#include "troupe/registry/global_peers.hpp"
#include "troupe/transport/node_events.hpp"

namespace troupe {

class global_groups_server final : public actor {
 public:
  global_groups_server(std::shared_ptr<global_group_table> table, std::shared_ptr<global_peers> peers)
      : table_(std::move(table)), peers_(std::move(peers)) {}

 protected:
  behavior make_behavior() override;
  void on_start() override;

 private:
  void on_node_up(const node_up& u);
  void on_node_down(const node_down& d);
  void on_sync(const global_groups_sync& s);
  void on_watch(const detail::global_group_watch& w);
  void on_down(const down_msg& d);
  void send_sync(const std::string& node, bool reply);
  /// The members of `g` on the sender's node (only an owner speaks for its processes).
  [[nodiscard]] global_group own(const global_group& g) const;

  std::shared_ptr<global_group_table> table_;
  std::shared_ptr<global_peers> peers_;
  struct watched {
    ref_id ref = 0;
    std::set<std::string> groups;
  };
  /// Local members and their groups. @note Owning actor only.
  std::unordered_map<pid, watched> watched_;
};

}  // namespace troupe
