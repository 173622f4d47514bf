#include "troupe/node/stepped_executor.hpp"

namespace troupe {

stepped_executor::~stepped_executor() { stop(); }

void stepped_executor::schedule(actor* a) noexcept {
  std::lock_guard lock(mutex_);
  queue_.push_back(a);
}

bool stepped_executor::dispatch_next() {
  actor* a;
  {
    std::lock_guard lock(mutex_);
    if (queue_.empty()) return false;
    a = queue_.front();
    queue_.pop_front();
  }
  running_ = true;
  detail::run_turn(a);
  running_ = false;
  return true;
}

std::size_t stepped_executor::run_until_idle(std::size_t limit) {
  std::size_t n = 0;
  while (n < limit && dispatch_next()) ++n;
  return n;
}

std::size_t stepped_executor::pending() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void stepped_executor::stop() { run_until_idle(); }

}  // namespace troupe
