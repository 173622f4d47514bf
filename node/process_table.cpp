#include "troupe/node/process_table.hpp"

#include <utility>

#include "troupe/node/actor.hpp"

namespace troupe {

// Robin Hood linear probing: an entry is never further from its home than the one it passes,
// so a probe for a serial that is not there stops at the first entry closer to home than the
// probe is (not at the end of the run: consecutive serials make runs thousands long), and an
// erase pulls back only the displaced entries after it.

std::size_t process_table::shard::distance(std::size_t i) const noexcept {
  return (i - home(slots[i].serial)) & mask;
}

actor* process_table::shard::find(std::uint64_t serial) const noexcept {
  if (count == 0 || serial == 0) return nullptr;
  for (std::size_t i = home(serial), d = 0;; i = (i + 1) & mask, ++d) {
    const slot& s = slots[i];
    if (s.serial == serial) return s.a;
    if (s.serial == 0 || distance(i) < d) return nullptr;
  }
}

void process_table::shard::put(std::uint64_t serial, actor* a) {
  // At most three quarters full, so every probe ends soon.
  if ((count + 1) * 4 > (mask + 1) * 3) resize(slots ? (mask + 1) * 2 : 16);
  place(slot{serial, a});
  ++count;
}

void process_table::shard::place(slot entry) noexcept {
  for (std::size_t i = home(entry.serial), d = 0;; i = (i + 1) & mask, ++d) {
    if (slots[i].serial == 0) {
      slots[i] = entry;
      return;
    }
    if (std::size_t resident = distance(i); resident < d) {  // the richer entry moves on
      std::swap(slots[i], entry);
      d = resident;
    }
  }
}

actor* process_table::shard::take(std::uint64_t serial) noexcept {
  if (count == 0 || serial == 0) return nullptr;
  std::size_t i = home(serial);
  for (std::size_t d = 0; slots[i].serial != serial; i = (i + 1) & mask, ++d)
    if (slots[i].serial == 0 || distance(i) < d) return nullptr;
  actor* a = slots[i].a;
  // Backward shift: pull each displaced follower one slot closer to home; no tombstones.
  for (std::size_t j = (i + 1) & mask; slots[j].serial != 0 && distance(j) > 0; j = (j + 1) & mask) {
    slots[i] = slots[j];
    i = j;
  }
  slots[i] = slot{};
  --count;
  // Give the memory back after a mass exit, keeping room to grow without thrashing.
  if (mask + 1 > 16 && count * 8 < mask + 1) {
    try {
      resize((mask + 1) / 2);
    } catch (...) {  // keeping the larger array is harmless
    }
  }
  return a;
}

void process_table::shard::resize(std::size_t capacity) {
  auto fresh = std::make_unique<slot[]>(capacity);
  const std::size_t old_capacity = slots ? mask + 1 : 0;
  std::unique_ptr<slot[]> old = std::exchange(slots, std::move(fresh));
  mask = capacity - 1;
  for (std::size_t k = 0; k < old_capacity; ++k)
    if (old[k].serial != 0) place(old[k]);
}

void process_table::insert(std::uint64_t serial, actor* a) {
  auto& s = shard_of(serial);
  std::lock_guard lock(s.lock);
  s.put(serial, a);
  size_.fetch_add(1, std::memory_order_relaxed);
}

bool process_table::erase(std::uint64_t serial) {
  actor* a = nullptr;
  {
    auto& s = shard_of(serial);
    std::lock_guard lock(s.lock);
    a = s.take(serial);
    if (a == nullptr) return false;
    size_.fetch_sub(1, std::memory_order_relaxed);
  }
  intrusive_release(a);
  return true;
}

std::vector<actor*> process_table::snapshot() const {
  std::vector<actor*> out;
  out.reserve(size());
  for (auto& s : shards_) {
    std::lock_guard lock(s.lock);
    for (std::size_t i = 0; s.slots && i <= s.mask; ++i) {
      if (s.slots[i].serial == 0) continue;
      intrusive_add_ref(s.slots[i].a);
      out.push_back(s.slots[i].a);
    }
  }
  return out;
}

}  // namespace troupe
