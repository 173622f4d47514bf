#include "troupe/node/timer_queue.hpp"

#include <vector>

namespace troupe {

bool timer_state::try_fire() noexcept {
  int expected = pending;
  return phase.compare_exchange_strong(expected, fired, std::memory_order_acq_rel);
}

bool timer_state::try_deliver() noexcept {
  int expected = fired;
  return phase.compare_exchange_strong(expected, delivered, std::memory_order_acq_rel);
}

bool timer_state::try_cancel() noexcept {
  int current = phase.load(std::memory_order_acquire);
  while (current == pending || current == fired) {
    if (phase.compare_exchange_weak(current, cancelled, std::memory_order_acq_rel)) return true;
  }
  return false;
}

bool timer_handle::active() const noexcept {
  if (!state_) return false;
  int p = state_->phase.load(std::memory_order_acquire);
  return p == timer_state::pending || p == timer_state::fired;
}

bool timer_queue::schedule(time_point deadline, const std::shared_ptr<timer_state>& state, callback fn) {
  std::lock_guard lock(mutex_);
  state->key_deadline = deadline;
  state->key_seq = ++next_seq_;
  auto it = entries_.emplace(std::pair{deadline, state->key_seq}, entry{state, std::move(fn)}).first;
  return it == entries_.begin();
}

void timer_queue::erase(timer_state& state) {
  std::lock_guard lock(mutex_);
  entries_.erase({state.key_deadline, state.key_seq});
}

std::size_t timer_queue::fire_due(time_point now) {
  std::vector<entry> due;
  {
    std::lock_guard lock(mutex_);
    auto end = entries_.upper_bound({now, UINT64_MAX});
    for (auto it = entries_.begin(); it != end; ++it) due.push_back(std::move(it->second));
    entries_.erase(entries_.begin(), end);
  }
  for (auto& e : due) {
    if (e.state->try_fire()) e.fn();
  }
  return due.size();
}

std::optional<time_point> timer_queue::next_deadline() const {
  std::lock_guard lock(mutex_);
  if (entries_.empty()) return std::nullopt;
  return entries_.begin()->first.first;
}

std::size_t timer_queue::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace troupe
