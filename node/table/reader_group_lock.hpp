#pragma once
/// @file
/// `reader_group_lock`: a reader-writer lock whose readers spread over cache-line-sized slots
/// (OTP's "reader groups" for `read_concurrency`). A reader marks its own slot, then checks the
/// writer flag; a writer raises the flag, then waits for every slot to empty. Both sides use
/// sequentially consistent operations, so each sees the other's mark (Dekker's argument).
///
/// Why not `std::shared_mutex`: every shared lock writes its one reader counter, so two reader
/// threads ping-pong that cache line and read throughput does not grow with threads. With one
/// slot this lock is a plain spinning reader-writer lock. Critical sections must be short: a
/// waiter spins, then yields.
///
/// @threadsafe

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace troupe::detail {

class reader_group_lock {
 public:
  /// `slots` reader groups (1 for a plain lock), rounded up to a power of two.
  explicit reader_group_lock(std::size_t slots = 1);

  void lock_shared() noexcept;
  void unlock_shared() noexcept;
  void lock() noexcept;
  void unlock() noexcept;

 private:
  struct alignas(64) slot {
    std::atomic<std::int32_t> readers{0};
  };
  slot& my_slot() noexcept;

  alignas(64) std::atomic<bool> writer_{false};
  std::size_t slot_count_;
  std::unique_ptr<slot[]> slots_;
};

/// RAII shared lock for `reader_group_lock` (std::shared_lock works too; this one is noexcept).
class read_guard {
 public:
  explicit read_guard(reader_group_lock& l) noexcept : lock_(l) { lock_.lock_shared(); }
  ~read_guard() { lock_.unlock_shared(); }
  read_guard(const read_guard&) = delete;
  read_guard& operator=(const read_guard&) = delete;

 private:
  reader_group_lock& lock_;
};

class write_guard {
 public:
  explicit write_guard(reader_group_lock& l) noexcept : lock_(l) { lock_.lock(); }
  ~write_guard() { lock_.unlock(); }
  write_guard(const write_guard&) = delete;
  write_guard& operator=(const write_guard&) = delete;

 private:
  reader_group_lock& lock_;
};

}  // namespace troupe::detail
