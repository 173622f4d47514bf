#pragma once
/// @file
/// `snapshot_slot<T>`: publishes an immutable `T` through a `shared_ptr` that readers copy while
/// a writer may be swapping in the next version.
///
/// Why not `std::atomic<std::shared_ptr<T>>`: libstdc++ 12 implements it with a lock bit whose
/// release in `load` is relaxed, so a later `store` does not formally happen after the reader's
/// pointer read — ThreadSanitizer reports it as a data race, and by the letter of the memory
/// model it is one. This slot makes the same trade explicitly: a one-word spinlock held only to
/// copy or swap a pointer (one reference-count change), never while a writer builds the next
/// version. Readers therefore never wait behind a write, only — rarely — behind a pointer swap.
/// The old version is released outside the lock.

#include <atomic>
#include <memory>
#include <thread>
#include <utility>

namespace troupe {

template <class T>
class snapshot_slot {
 public:
  snapshot_slot() : current_(std::make_shared<const T>()) {}

  /// The current version. @threadsafe
  [[nodiscard]] std::shared_ptr<const T> load() const {
    lock();
    std::shared_ptr<const T> out = current_;
    unlock();
    return out;
  }
  /// Publishes `next`; the version it replaces is released after the lock. @threadsafe
  void store(std::shared_ptr<const T> next) {
    lock();
    current_.swap(next);
    unlock();
  }

 private:
  void lock() const noexcept {
    for (int spins = 0; locked_.exchange(true, std::memory_order_acquire); ++spins) {
      while (locked_.load(std::memory_order_relaxed))
        if (++spins > 64) std::this_thread::yield();
    }
  }
  void unlock() const noexcept { locked_.store(false, std::memory_order_release); }

  mutable std::atomic<bool> locked_{false};
  std::shared_ptr<const T> current_;
};

}  // namespace troupe
