#pragma once
/// @file
/// `name_table`: one node's replica of the global names — the read side of `global_registry`.
///
/// Reads (`whereis`, `entries`) are lock-free snapshot reads, usable from any thread and from
/// inside handlers. Writes come from two places and are serialized by the map's writer lock:
/// local registrations (any thread, through `global_registry`) and the registry server applying
/// what its peers announce. A local write tells the server under that same lock, so the server
/// sees local changes in the order they were made.
///
/// Conflict handling lives here (`merge`): an incoming entry for a name held by another process
/// replaces it only if it wins under `wins_conflict`; a displaced local holder is returned to
/// the server, which tells it.

#include <optional>
#include <string>
#include <vector>

#include "troupe/cluster/global_clock.hpp"
#include "troupe/node/actor_system.hpp"
#include "troupe/node/error.hpp"
#include "troupe/registry/global_entry.hpp"
#include "troupe/registry/global_snapshot_map.hpp"

namespace troupe {

namespace detail {
/// A local registration appeared (`added`) or went away: the server announces it.
struct global_name_watch {
  global_entry entry;
  bool added = false;
};
}  // namespace detail

class name_table {
 public:
  explicit name_table(actor_system& system) : system_(system), clock_(system.clock()) {}

  /// Sets the server told about local changes. Call once, before any local write.
  void set_server(const pid& server) noexcept { server_ = server; }

  // --- reads (@threadsafe, lock-free) ---------------------------------------------------------
  [[nodiscard]] std::optional<pid> whereis(std::string_view name) const;
  [[nodiscard]] std::optional<global_entry> entry(std::string_view name) const { return names_.find(name); }
  [[nodiscard]] std::vector<global_entry> entries() const;
  /// Entries held by processes of this node: what this node announces to its peers.
  [[nodiscard]] std::vector<global_entry> local_entries() const;

  // --- local writes (@threadsafe) -------------------------------------------------------------
  /// Registers local process `p` as `name`. `name_taken` naming the holder if another live
  /// process holds it in this replica; succeeds without change if `p` already holds it.
  [[nodiscard]] result<void> insert_local(const std::string& name, const pid& p);
  /// Removes `name` if `p` holds it. True if it did.
  bool erase_local(const std::string& name, const pid& p);
  /// True if `name` is held by exactly `e` (waits for a write in progress).
  [[nodiscard]] bool holds(const global_entry& e);

  // --- writes from peers (@note Registry server only) ----------------------------------------
  /// Applies entries announced by their owner; returns the local holders they displaced.
  std::vector<global_entry> merge(const std::vector<global_entry>& incoming);
  /// Replaces every entry owned by `owner` (any incarnation) with `incoming`, its full set.
  /// Returns the local holders displaced.
  std::vector<global_entry> replace_owner(node_index owner, const std::vector<global_entry>& incoming);
  /// Removes `name` if `holder` holds it (the owner withdrew it).
  void erase_remote(const std::string& name, const pid& holder);
  /// Drops every entry held on node `owner` in incarnation `creation` (the node was lost).
  void drop_node(node_index owner, std::uint32_t creation);
  /// Drops entries held on node `owner` in any incarnation other than `creation` (it restarted).
  void drop_stale(node_index owner, std::uint32_t creation);

 private:
  using map = global_snapshot_map<global_entry>;
  void merge_one(map::batch& b, const global_entry& e, std::vector<global_entry>& displaced);
  void tell_server(const global_entry& e, bool added);

  actor_system& system_;
  pid server_;
  global_clock clock_;
  map names_;
};

}  // namespace troupe

TROUPE_LOCAL_MESSAGE(troupe::detail::global_name_watch, "troupe.global.watch");
