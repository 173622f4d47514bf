#include "troupe/node/envelope_pool.hpp"

#include <array>
#include <cstdint>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define TROUPE_ENVELOPE_POOL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TROUPE_ENVELOPE_POOL 0
#endif
#endif
#ifndef TROUPE_ENVELOPE_POOL
#define TROUPE_ENVELOPE_POOL 1
#endif

namespace troupe::detail {
namespace {

constexpr std::size_t class_count = 3;  // blocks of 64, 128 and 256 bytes
constexpr std::size_t block_size(std::size_t cls) noexcept { return std::size_t(64) << cls; }
constexpr std::size_t class_of(std::size_t size) noexcept { return size <= 64 ? 0 : size <= 128 ? 1 : 2; }
static_assert(block_size(class_count - 1) == pooled_envelope_max);

/// Blocks a thread hands over or takes at once.
constexpr std::uint32_t batch_blocks = 256;

struct free_block {
  free_block* next;
};

struct batch {
  free_block* head;
  std::uint32_t count;
};

/// Where threads exchange batches. Never destroyed: threads may exit after static destructors ran.
class depot {
 public:
  bool take(std::size_t cls, batch& out) {
    std::lock_guard lock(mutex_);
    auto& v = batches_[cls];
    if (v.empty()) return false;
    out = v.back();
    v.pop_back();
    blocks_[cls] -= out.count;
    return true;
  }

  void give(std::size_t cls, batch b) noexcept {
    {
      std::lock_guard lock(mutex_);
      auto& v = batches_[cls];
      if ((blocks_[cls] + b.count) * block_size(cls) <= envelope_depot_cap_bytes) {
        try {
          v.push_back(b);
          blocks_[cls] += b.count;
          return;
        } catch (const std::bad_alloc&) {
          // fall through: give the blocks back to malloc
        }
      }
    }
    release(b);
  }

  std::size_t blocks(std::size_t cls) noexcept {
    std::lock_guard lock(mutex_);
    return blocks_[cls];
  }

  static void release(batch b) noexcept {
    while (b.head != nullptr) ::operator delete(std::exchange(b.head, b.head->next));
  }

 private:
  std::mutex mutex_;
  std::array<std::vector<batch>, class_count> batches_;
  std::array<std::size_t, class_count> blocks_{};
};

depot& the_depot() noexcept {
  static depot* d = new depot;  // leaked on purpose, see `depot`
  return *d;
}

#if TROUPE_ENVELOPE_POOL

/// One thread's blocks. Allocation pops `ready`; a free pushes on `ready` until it holds a batch,
/// then fills `spill`, which goes to the depot whole when it holds a batch too.
struct thread_cache {
  std::array<batch, class_count> ready{};
  std::array<batch, class_count> spill{};

  thread_cache() { (void)the_depot(); }  // the depot outlives every cache
  thread_cache(const thread_cache&) = delete;
  thread_cache& operator=(const thread_cache&) = delete;
  ~thread_cache() {
    for (std::size_t c = 0; c < class_count; ++c) {
      if (ready[c].head != nullptr) the_depot().give(c, ready[c]);
      if (spill[c].head != nullptr) the_depot().give(c, spill[c]);
    }
  }

  void* allocate(std::size_t cls) {
    batch& r = ready[cls];
    if (r.head == nullptr) {
      if (spill[cls].head != nullptr) {
        r = std::exchange(spill[cls], batch{});
      } else if (!the_depot().take(cls, r)) {
        return ::operator new(block_size(cls));
      }
    }
    free_block* b = r.head;
    r.head = b->next;
    --r.count;
    return b;
  }

  void free(void* p, std::size_t cls) noexcept {
    batch& r = ready[cls];
    batch& target = r.count < batch_blocks ? r : spill[cls];
    auto* b = static_cast<free_block*>(p);
    b->next = target.head;
    target.head = b;
    ++target.count;
    if (&target == &spill[cls] && target.count >= batch_blocks) the_depot().give(cls, std::exchange(target, batch{}));
  }
};

thread_local thread_cache cache;

#endif

}  // namespace

#if TROUPE_ENVELOPE_POOL

void* allocate_envelope(std::size_t size) {
  if (size > pooled_envelope_max) return ::operator new(size);
  return cache.allocate(class_of(size));
}

void free_envelope(void* block, std::size_t size) noexcept {
  if (size > pooled_envelope_max) return ::operator delete(block);
  cache.free(block, class_of(size));
}

#else

void* allocate_envelope(std::size_t size) { return ::operator new(size); }
void free_envelope(void* block, std::size_t) noexcept { ::operator delete(block); }

#endif

bool envelope_pool_enabled() noexcept { return TROUPE_ENVELOPE_POOL != 0; }

std::size_t envelope_depot_blocks(std::size_t block_size) noexcept { return the_depot().blocks(class_of(block_size)); }

}  // namespace troupe::detail
