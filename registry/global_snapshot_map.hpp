#pragma once
/// @file
/// `global_snapshot_map<V>`: a string-keyed map whose readers never lock and never wait for a
/// writer — the read side of the global registry and of process groups.
///
/// The map is split into partitions by key hash, each an immutable `unordered_map` published
/// through a `snapshot_slot` (the local registry's approach). A write goes through a `batch`:
/// it copies each partition it touches once, and publishes the copies when the batch ends. So a
/// full sync of thousands of entries costs one copy per touched partition, not one per entry,
/// and a single registration copies one small partition. Batches are serialized by a mutex that
/// readers never take.
///
/// Readers see each partition atomically; a batch that touches several partitions becomes
/// visible partition by partition (a reader never sees half of one key's update).

#include <array>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "troupe/registry/snapshot_slot.hpp"

namespace troupe {

template <class V>
class global_snapshot_map {
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };

 public:
  using map_type = std::unordered_map<std::string, V, string_hash, std::equal_to<>>;
  static constexpr std::size_t partitions = 64;

  /// The value under `key`, if any. @threadsafe, lock-free for readers of other partitions.
  [[nodiscard]] std::optional<V> find(std::string_view key) const {
    auto part = slots_[index(key)].load();
    auto it = part->find(key);
    if (it == part->end()) return std::nullopt;
    return it->second;
  }
  /// Returns `f(const V*)` on the value under `key` (null if none), without copying it. @threadsafe
  template <class F>
  auto visit(std::string_view key, F&& f) const {
    auto part = slots_[index(key)].load();
    auto it = part->find(key);
    return f(it == part->end() ? nullptr : &it->second);
  }
  /// Calls `f(key, value)` for every entry, partition by partition. @threadsafe
  template <class F>
  void for_each(F&& f) const {
    for (const auto& slot : slots_) {
      auto part = slot.load();
      for (const auto& [k, v] : *part) f(k, v);
    }
  }

  /// A set of writes made under the writer lock and published when it ends.
  class batch {
   public:
    explicit batch(global_snapshot_map& m) : map_(m), lock_(m.write_mutex_) {}
    ~batch() {
      for (std::size_t i = 0; i < partitions; ++i)
        if (copies_[i]) map_.slots_[i].store(std::move(copies_[i]));
    }
    batch(const batch&) = delete;
    batch& operator=(const batch&) = delete;

    [[nodiscard]] const V* find(std::string_view key) {
      const map_type& part = read(index(key));
      auto it = part.find(key);
      return it == part.end() ? nullptr : &it->second;
    }
    void put(const std::string& key, V value) { write(index(key))[key] = std::move(value); }
    void erase(std::string_view key) {
      auto i = index(key);
      if (read(i).contains(key)) write(i).erase(write(i).find(key));
    }
    /// Erases every entry for which `drop(key, value)` returns true; copies only the partitions
    /// that hold one.
    template <class Drop>
    void erase_if(Drop&& drop) {
      for (std::size_t i = 0; i < partitions; ++i) {
        bool any = false;
        for (const auto& [k, v] : read(i)) any = any || drop(k, v);
        if (!any) continue;
        std::erase_if(write(i), [&](const auto& kv) { return drop(kv.first, kv.second); });
      }
    }
    /// Calls `f(key, value)` for every entry as this batch sees it.
    template <class F>
    void for_each(F&& f) {
      for (std::size_t i = 0; i < partitions; ++i)
        for (const auto& [k, v] : read(i)) f(k, v);
    }
    /// The mutable value under `key`, created if missing.
    V& at(const std::string& key) { return write(index(key))[key]; }

   private:
    const map_type& read(std::size_t i) {
      if (copies_[i]) return *copies_[i];
      if (!views_[i]) views_[i] = map_.slots_[i].load();
      return *views_[i];
    }
    map_type& write(std::size_t i) {
      if (!copies_[i]) copies_[i] = std::make_shared<map_type>(read(i));
      return *copies_[i];
    }

    global_snapshot_map& map_;
    std::lock_guard<std::mutex> lock_;
    std::array<std::shared_ptr<const map_type>, partitions> views_{};
    std::array<std::shared_ptr<map_type>, partitions> copies_{};
  };

 private:
  static std::size_t index(std::string_view key) noexcept { return string_hash{}(key) % partitions; }

  std::array<snapshot_slot<map_type>, partitions> slots_;
  std::mutex write_mutex_;
};

}  // namespace troupe
