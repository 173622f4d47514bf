#pragma once
/// @file
/// A one-byte test-and-test-and-set lock for very short critical sections (a table probe, a
/// vector push). It yields after a short spin so an oversubscribed 2-core box does not burn.

#include <atomic>
#include <thread>

namespace troupe::detail {

class spinlock {
 public:
  void lock() noexcept {
    for (int spins = 0;; ++spins) {
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
      while (locked_.load(std::memory_order_relaxed)) {
        if (++spins > 64) std::this_thread::yield();
      }
    }
  }
  bool try_lock() noexcept { return !locked_.exchange(true, std::memory_order_acquire); }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

}  // namespace troupe::detail
