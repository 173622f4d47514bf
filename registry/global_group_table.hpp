#pragma once
/// @file
/// `global_group_table`: one node's replica of every process group — the read side of
/// `process_groups`. Lock-free snapshot reads; writes (local joins from any thread, peer updates
/// from the groups server) serialized by the map's writer lock. A local change tells the server
/// under that lock, so it announces local changes in the order they were made.

#include <functional>
#include <string>
#include <vector>

#include "troupe/node/actor_system.hpp"
#include "troupe/registry/global_groups_messages.hpp"
#include "troupe/registry/global_snapshot_map.hpp"

namespace troupe {

namespace detail {
/// A local process joined (`joined`) or left `group`: the server announces it.
struct global_group_watch {
  std::string group;
  pid member;
  bool joined = false;
};
}  // namespace detail

class global_group_table {
 public:
  explicit global_group_table(actor_system& system) : system_(system) {}
  void set_server(const pid& server) noexcept { server_ = server; }

  // --- reads (@threadsafe, lock-free) ---------------------------------------------------------
  [[nodiscard]] std::vector<pid> members(std::string_view group) const;
  [[nodiscard]] std::vector<pid> local_members(std::string_view group) const;
  [[nodiscard]] std::vector<std::string> groups() const;
  /// Every group with its members on this node: what this node announces.
  [[nodiscard]] std::vector<global_group> local_groups() const;

  // --- local writes (@threadsafe) -------------------------------------------------------------
  /// Adds local `p` to `group`; false if it is a member already.
  bool join_local(const std::string& group, const pid& p);
  /// Removes local `p` from `group`; false if it was not a member.
  bool leave_local(const std::string& group, const pid& p);
  /// True if `p` is in `group` (waits for a write in progress).
  [[nodiscard]] bool contains(const std::string& group, const pid& p);

  // --- writes from peers (@note Groups server only) ------------------------------------------
  void add(const global_group& g);
  void remove(const global_group& g);
  /// Replaces every membership on node `owner` (any incarnation) with `incoming`.
  void replace_owner(node_index owner, const std::vector<global_group>& incoming);
  /// Drops members on node `owner` of incarnation `creation` (the node was lost).
  void drop_node(node_index owner, std::uint32_t creation);
  /// Drops members on node `owner` of any incarnation but `creation` (it restarted).
  void drop_stale(node_index owner, std::uint32_t creation);

 private:
  using map = global_snapshot_map<std::vector<pid>>;
  static void strip(map::batch& b, const std::function<bool(const pid&)>& drop);
  static void add_to(map::batch& b, const global_group& g);
  void tell_server(const std::string& group, const pid& p, bool joined);

  actor_system& system_;
  pid server_;
  map groups_;
};

}  // namespace troupe

TROUPE_LOCAL_MESSAGE(troupe::detail::global_group_watch, "troupe.pg.watch");
