#include "troupe/node/table/reader_group_lock.hpp"

#include <bit>
#include <thread>

namespace troupe::detail {

namespace {
/// Each thread gets a fixed index, so it always uses the same slot of every lock.
std::size_t thread_index() noexcept {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t index = next.fetch_add(1, std::memory_order_relaxed);
  return index;
}

void pause(int& spins) noexcept {
  if (++spins > 64) std::this_thread::yield();
}
}  // namespace

reader_group_lock::reader_group_lock(std::size_t slots)
    : slot_count_(std::bit_ceil(slots == 0 ? std::size_t{1} : slots)), slots_(std::make_unique<slot[]>(slot_count_)) {}

/// A mask, not a modulo: the slot count is a power of two, and this is on every read's path.
reader_group_lock::slot& reader_group_lock::my_slot() noexcept { return slots_[thread_index() & (slot_count_ - 1)]; }

void reader_group_lock::lock_shared() noexcept {
  slot& s = my_slot();
  for (int spins = 0;;) {
    s.readers.fetch_add(1, std::memory_order_seq_cst);
    if (!writer_.load(std::memory_order_seq_cst)) return;
    s.readers.fetch_sub(1, std::memory_order_release);
    while (writer_.load(std::memory_order_relaxed)) pause(spins);
  }
}

void reader_group_lock::unlock_shared() noexcept { my_slot().readers.fetch_sub(1, std::memory_order_release); }

void reader_group_lock::lock() noexcept {
  int spins = 0;
  while (writer_.exchange(true, std::memory_order_seq_cst)) {
    while (writer_.load(std::memory_order_relaxed)) pause(spins);
  }
  for (std::size_t i = 0; i < slot_count_; ++i)
    while (slots_[i].readers.load(std::memory_order_seq_cst) != 0) pause(spins);
}

void reader_group_lock::unlock() noexcept { writer_.store(false, std::memory_order_release); }

}  // namespace troupe::detail
