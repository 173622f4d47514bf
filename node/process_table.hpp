#pragma once
/// @file
/// `process_table`: the processes of one node, by serial.
///
/// Sharded by serial with a tiny lock per shard, so senders to different processes rarely meet
/// and a send holds a lock only for a probe plus a mailbox push. A process is removed before its
/// final cleanup, so once `erase` returns, no new envelope can reach its mailbox.
///
/// Each shard is an open-addressing array of (serial, actor*) slots with Robin Hood linear
/// probing: no allocation per process (a spawn is a store into a slot), 16 bytes a slot, and
/// serials, which are handed out in order, land in consecutive slots, so a probe is one cache line.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "troupe/node/internal/spinlock.hpp"

namespace troupe {

class actor;

class process_table {
 public:
  process_table() = default;
  process_table(const process_table&) = delete;
  process_table& operator=(const process_table&) = delete;

  /// Adds a process (serial > 0, not present); the table holds one reference, released by
  /// `erase`. @threadsafe
  void insert(std::uint64_t serial, actor* a);
  /// Removes a process. Returns false if it was not there. @threadsafe
  bool erase(std::uint64_t serial);
  /// Runs `f(actor&)` under the shard lock if the process exists; returns whether it did.
  /// `f` must be short and must not touch the table. @threadsafe
  template <class F>
  bool with(std::uint64_t serial, F&& f) {
    auto& s = shard_of(serial);
    std::lock_guard lock(s.lock);
    actor* a = s.find(serial);
    if (a == nullptr) return false;
    f(*a);
    return true;
  }
  /// A reference-counted snapshot of every process (each has had a reference added). @threadsafe
  std::vector<actor*> snapshot() const;
  [[nodiscard]] std::size_t size() const noexcept { return size_.load(std::memory_order_relaxed); }

 private:
  static constexpr std::size_t shard_bits = 6;
  static constexpr std::size_t shard_count = std::size_t(1) << shard_bits;

  struct slot {
    std::uint64_t serial = 0;  // 0: empty (serials start at 1)
    actor* a = nullptr;
  };

  struct alignas(64) shard {
    mutable detail::spinlock lock;
    std::unique_ptr<slot[]> slots;
    std::size_t mask = 0;  // capacity - 1; capacity is 0 or a power of two
    std::size_t count = 0;

    // Serials of one shard differ by multiples of shard_count: drop those bits, and consecutive
    // spawns take consecutive slots.
    [[nodiscard]] std::size_t home(std::uint64_t serial) const noexcept { return (serial >> shard_bits) & mask; }
    /// How far slot i's entry sits from its home.
    [[nodiscard]] std::size_t distance(std::size_t i) const noexcept;
    actor* find(std::uint64_t serial) const noexcept;
    void put(std::uint64_t serial, actor* a);
    void place(slot entry) noexcept;
    actor* take(std::uint64_t serial) noexcept;
    void resize(std::size_t capacity);
  };

  shard& shard_of(std::uint64_t serial) noexcept { return shards_[serial & (shard_count - 1)]; }
  std::array<shard, shard_count> shards_;
  std::atomic<std::size_t> size_{0};
};

}  // namespace troupe
