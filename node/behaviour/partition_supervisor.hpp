#pragma once
/// @file
/// `partition_supervisor`: N copies ("partitions") of one child under one supervisor, and a
/// router from a key to a partition (Elixir's PartitionSupervisor). It spreads a bottleneck
/// process — typically a `dynamic_supervisor`, or a server with hot state — over N processes
/// that work in parallel, while each key still always reaches the same partition.
///
/// ```
/// auto parts = partition_supervisor::start(sys, {.partitions = 4}, [](std::size_t i) {
///   return child_spec::supervisor_of<dynamic_supervisor>(std::to_string(i));
/// });
/// pid sup = parts->route(user_id);                               // the same for the same key
/// dynamic_supervisor::start_child(sys, sup, child_spec::worker<session>("", user_id));
/// ```
///
/// | Elixir                                              | here                                        |
/// |-----------------------------------------------------|---------------------------------------------|
/// | `PartitionSupervisor.start_link(child_spec: s, partitions: n)` | `start(sys, {.partitions = n}, make_child)`; `make_child(i)` builds partition i's spec (Elixir passes the partition in the child's args) |
/// | `{:via, PartitionSupervisor, {name, key}}`          | `route(key)`: integers by `key % n`, other keys by hash |
/// | `PartitionSupervisor.partitions/1`                  | `partitions()`                              |
/// | `which_children/1`, `count_children/1`              | same names (ids "0" … "n-1")                 |
///
/// Routing reads a shared table (an `ets_table` owned by the supervisor, as Elixir keeps its
/// routes in ETS), refreshed by the supervisor whenever it (re)starts a partition: no message,
/// no lock shared with other readers. Between a partition's death and its restart, `route`
/// gives the dead pid, whose messages are dead letters; a call to it fails with `noproc`.
/// The supervisor is one_for_one by default; a dead supervisor deletes the table and every
/// `route` then gives a null pid.

#include <functional>
#include <memory>
#include <optional>
#include <type_traits>

#include "troupe/node/behaviour/supervisor.hpp"
#include "troupe/node/table/ets_table.hpp"

namespace troupe {

struct partition_supervisor_options {
  /// The number of partitions; 0 means one per hardware thread (Elixir's default).
  std::size_t partitions = 0;
  supervisor_flags flags{};
  start_options start{};
};

namespace detail {
using partition_routes = ets_table<std::uint32_t, pid>;
/// Filled in by the supervisor's init, read by every handle.
struct partition_route_slot {
  std::optional<partition_routes> table;
};
}  // namespace detail

/// A started partition supervisor: its pid and its router. Cheap to copy. @threadsafe
class partitions_handle {
 public:
  partitions_handle(pid sup, std::size_t n, std::shared_ptr<detail::partition_route_slot> routes)
      : sup_(sup), n_(n), routes_(std::move(routes)) {}

  [[nodiscard]] pid supervisor() const noexcept { return sup_; }
  [[nodiscard]] std::size_t partitions() const noexcept { return n_; }
  /// The current process of partition `i` (null if none runs).
  [[nodiscard]] pid partition(std::size_t i) const;
  /// The partition `key` belongs to.
  template <class Key>
  [[nodiscard]] std::size_t partition_of(const Key& key) const {
    if constexpr (std::is_integral_v<Key>) return static_cast<std::size_t>(static_cast<std::uint64_t>(key) % n_);
    else return static_cast<std::size_t>((std::hash<Key>{}(key) * 0x9E3779B97F4A7C15ull >> 32) % n_);
  }
  template <class Key>
  [[nodiscard]] pid route(const Key& key) const {
    return partition(partition_of(key));
  }
  result<std::vector<child_info>> which_children(actor_system& sys) const { return supervisor::which_children(sys, sup_); }
  result<child_counts> count_children(actor_system& sys) const { return supervisor::count_children(sys, sup_); }

 private:
  pid sup_;
  std::size_t n_;
  std::shared_ptr<detail::partition_route_slot> routes_;
};

class partition_supervisor : public supervisor {
 public:
  using child_factory = std::function<child_spec(std::size_t partition)>;

  /// Starts the supervisor and its partitions and waits until all run (plain threads only).
  static result<partitions_handle> start(actor_system& sys, partition_supervisor_options opts, child_factory make_child);

  partition_supervisor(supervisor_flags flags, std::vector<child_spec> children,
                       std::shared_ptr<detail::partition_route_slot> routes);

 protected:
  init_result init() override;

 private:
  std::shared_ptr<detail::partition_route_slot> routes_;
};

}  // namespace troupe
