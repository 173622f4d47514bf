#pragma once
/// @file
/// `process_table`: the processes of one node, by serial.
///
/// Sharded by serial with a tiny lock per shard, so senders to different processes rarely meet
/// and a send holds a lock only for a hash probe plus a mailbox push. A process is removed
/// before its final cleanup, so once `erase` returns, no new envelope can reach its mailbox.

#include <array>
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

#include "troupe/node/internal/spinlock.hpp"

namespace troupe {

class actor;

class process_table {
 public:
  /// Adds a process; the table holds one reference, released by `erase`. @threadsafe
  void insert(std::uint64_t serial, actor* a);
  /// Removes a process. Returns false if it was not there. @threadsafe
  bool erase(std::uint64_t serial);
  /// Runs `f(actor&)` under the shard lock if the process exists; returns whether it did.
  /// `f` must be short and must not touch the table. @threadsafe
  template <class F>
  bool with(std::uint64_t serial, F&& f) {
    auto& s = shard_of(serial);
    std::lock_guard lock(s.lock);
    auto it = s.map.find(serial);
    if (it == s.map.end()) return false;
    f(*it->second);
    return true;
  }
  /// A reference-counted snapshot of every process (each has had a reference added). @threadsafe
  std::vector<actor*> snapshot() const;
  [[nodiscard]] std::size_t size() const noexcept { return size_.load(std::memory_order_relaxed); }

 private:
  struct alignas(64) shard {
    mutable detail::spinlock lock;
    std::unordered_map<std::uint64_t, actor*> map;
  };
  static constexpr std::size_t shard_count = 64;
  shard& shard_of(std::uint64_t serial) noexcept { return shards_[serial % shard_count]; }
  std::array<shard, shard_count> shards_;
  std::atomic<std::size_t> size_{0};
};

}  // namespace troupe
