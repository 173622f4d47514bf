#pragma once
/// @file
/// `registry_table`: the storage behind a local Registry — keys to (pid, value) entries, and each
/// pid to its keys — with reads that never wait for writers.
///
/// ## Read side: partitioned, immutable snapshots
/// Keys are spread over `partitions` key partitions by hash, and pids over as many pid
/// partitions. Each partition is an immutable sorted vector of immutable nodes, published as a
/// `shared_ptr` in a `snapshot_slot`. A read copies one partition pointer (no message, no lock
/// held while anyone works: see `snapshot_slot`) and binary-searches an immutable vector, so it
/// runs from any thread, inside handlers too, while a write is in progress. This is OTP
/// `pg.erl`'s "readers use a snapshot" made cheap enough for writes: a write copies only the one
/// key partition and the one pid partition it touches (O(keys / partitions) pointers, sharing the
/// untouched nodes), not the whole registry, and readers of different partitions never share a
/// cache line. Elixir's Registry partitions its ETS tables for the same reason.
///
/// Why not one snapshot of everything: every write would copy the whole registry (with 10k keys,
/// register+unregister ran at about 8k pairs/s with 64 hash-map partitions; with 256
/// pointer-vector partitions, about 170k). Why not reader/writer locks per partition: a reader
/// would wait for the whole of a write, not just for a pointer swap.
///
/// ## Write side: one writer at a time
/// Writes (`insert`, `erase`, `erase_process`) are serialized by a writer mutex that readers
/// never touch: check the unique-key rule, copy the partition, change the copy, publish it.
/// They are synchronous and short, so a process registers itself without a round trip (as in
/// Elixir, where the caller writes the ETS table itself), and `name_service::register_name` works
/// from a scheduler thread, where waiting for a reply from another process could deadlock.
/// After a write that changes whether a pid holds entries, the table tells the registry server
/// (see `registry_server`), which monitors the pid and removes its entries when it dies.
///
/// Values are type-erased (`shared_ptr<const void>`); `registry<Value>` gives them back their type.

#include <any>
#include <array>
#include <functional>
#include <map>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "troupe/node/error.hpp"
#include "troupe/node/pid.hpp"
#include "troupe/registry/snapshot_slot.hpp"

namespace troupe {

class actor_system;

/// Whether a key names at most one process (`unique`) or any number (`duplicate`).
enum class registry_keys { unique, duplicate };

/// One registration: a process and the value it registered with.
struct registry_entry {
  pid owner;
  std::shared_ptr<const void> value;
};

class registry_table {
 public:
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  using entries = std::vector<registry_entry>;
  /// One key and its entries, in registration order. Immutable once published, and shared by
  /// every partition snapshot that still holds it, so copying a partition copies pointers only.
  struct key_node {
    std::size_t hash = 0;
    std::string key;
    entries list;
  };
  /// One pid and its keys (a key once per entry). Immutable once published.
  struct pid_node {
    pid owner;
    std::vector<std::string> keys;
  };
  /// An immutable key partition: nodes sorted by (hash, key). A sorted vector rather than a
  /// hash map because a write copies the partition: one allocation plus a reference count per
  /// key, and a lookup is a binary search over a few dozen hashes.
  struct key_partition {
    std::vector<std::shared_ptr<const key_node>> nodes;
    std::size_t entry_count = 0;
  };
  /// An immutable pid partition: nodes sorted by pid.
  struct pid_partition {
    std::vector<std::shared_ptr<const pid_node>> nodes;
  };
  /// What a read of one key sees: the entries, kept alive by their partition snapshot.
  struct key_view {
    std::shared_ptr<const key_partition> partition;
    const entries* found = nullptr;  // null when nobody holds the key
  };

  /// Registry metadata (Elixir's `Registry.meta`): small, rarely written, read from anywhere.
  using meta_map = std::map<std::string, std::any, std::less<>>;

  /// `partitions` is rounded up to a power of two (at least 1). `listeners` receive a
  /// `registry_registered` / `registry_unregistered` naming the registry `name` on each write.
  registry_table(actor_system& system, registry_keys kind, std::size_t partitions, std::string name = {},
                 std::vector<pid> listeners = {});

  [[nodiscard]] registry_keys kind() const noexcept { return kind_; }

  // --- the server's lifetime: @threadsafe --------------------------------------------------------
  /// Where writes report pids whose entries appeared or vanished. Set once, before any write.
  void set_server(const pid& server);
  /// The server is ending (its `on_exit`). From now on the node may be gone at any moment, so
  /// the table no longer touches it: writes fail with `shutting_down` and nothing is reported.
  /// Waits for writes that are using the node to finish.
  void server_stopped();
  /// Asks the server to stop, unless it has stopped already (the registry's destructor).
  void stop_server();

  // --- reads: @threadsafe; they never wait for a write in progress ---------------------------
  [[nodiscard]] key_view find(std::string_view key) const;
  [[nodiscard]] std::vector<std::string> keys_of(const pid& p) const;
  [[nodiscard]] bool holds_entries(const pid& p) const;
  /// Entries in the whole registry (each registration counts once).
  [[nodiscard]] std::size_t count() const;
  /// Every key partition as it is now, for a scan of the whole registry (`select`).
  [[nodiscard]] std::vector<std::shared_ptr<const key_partition>> partitions() const;
  [[nodiscard]] std::shared_ptr<const meta_map> meta() const { return meta_.load(); }

  // --- writes: @threadsafe, serialized by the writer mutex -----------------------------------
  /// Adds an entry. Unique keys: `name_taken` naming the holder if a live process holds it.
  /// `noproc` if `p` is not a live local process; `shutting_down` once the server has stopped.
  [[nodiscard]] result<void> insert(const pid& p, std::string key, std::shared_ptr<const void> value);
  /// Removes `p`'s entries under `key`; returns how many.
  std::size_t erase(const pid& p, std::string_view key);
  /// Removes every entry of `p` (it died). Returns how many. Called by the registry server.
  std::size_t erase_process(const pid& p);
  /// Replaces the value of `p`'s entry under `key` with `fn(old)` and returns {new, old}
  /// (Elixir's `update_value`). `not_found` if `p` holds no entry under `key`;
  /// `invalid_argument` on a duplicate-key registry.
  using updater = std::function<std::shared_ptr<const void>(const std::shared_ptr<const void>&)>;
  [[nodiscard]] result<std::pair<std::shared_ptr<const void>, std::shared_ptr<const void>>> update(
      const pid& p, std::string_view key, const updater& fn);
  /// Sets (or, with an empty `value`, removes) metadata `key`.
  void put_meta(std::string key, std::any value);

 private:
  /// One partition's published version, alone on its cache line so that readers of
  /// different partitions never touch the same line.
  template <class T>
  struct alignas(64) slot {
    snapshot_slot<T> current;
  };

  [[nodiscard]] std::size_t key_index(std::string_view key) const noexcept;
  [[nodiscard]] std::size_t pid_index(const pid& p) const noexcept;
  /// Drops up to `times` occurrences of `key` from `p`'s keys (writer lock held).
  void unindex(const pid& p, std::string_view key, std::size_t times);
  /// Replaces (or, with null, removes) `p`'s node in its pid partition (writer lock held).
  void publish_pid(const pid& p, std::shared_ptr<const pid_node> node);
  /// Replaces (or, with null, removes) `key`'s node in a copy of its partition (writer lock held).
  static void put(key_partition& part, std::size_t hash, std::string_view key, std::shared_ptr<const key_node> node);
  void notify_server(const pid& p) const;
  template <class Event>
  void notify_listeners(std::string_view key, const pid& p) const;

  actor_system& system_;
  const registry_keys kind_;
  const std::size_t mask_;
  /// Guards `server_` and every use of `system_`: while anyone holds it shared, the server has
  /// not finished its `on_exit`, so the node is still alive. Null once the server has stopped.
  mutable std::shared_mutex server_mutex_;
  pid server_;
  std::unique_ptr<slot<key_partition>[]> key_parts_;
  std::unique_ptr<slot<pid_partition>[]> pid_parts_;
  std::mutex writer_;
  snapshot_slot<meta_map> meta_;
  const std::string name_;
  const std::vector<pid> listeners_;
};

}  // namespace troupe
