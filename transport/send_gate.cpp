#include "troupe/transport/send_gate.hpp"

#include <chrono>

namespace troupe::transport {

bool send_gate::park(actor* a) noexcept {
  // Under the gate's lock: the I/O thread clears `busy` before it takes this lock in open(),
  // so either we see the queue no longer busy, or open() sees `a` in the list.
  std::lock_guard lock(mutex_);
  if (!out_.busy()) return false;
  parked_.push_back(a);
  suspensions_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool send_gate::wait(duration timeout, const std::atomic<bool>& reachable) {
  auto t0 = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  ++blocked_;
  suspensions_.fetch_add(1, std::memory_order_relaxed);
  bool ok = cv_.wait_for(lock, timeout, [&] { return !out_.busy() || !reachable.load(std::memory_order_acquire); });
  --blocked_;
  blocked_us_.fetch_add(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                       std::chrono::steady_clock::now() - t0)
                                                       .count()),
                        std::memory_order_relaxed);
  return ok;
}

void send_gate::open() noexcept {
  std::vector<actor*> go;
  {
    std::lock_guard lock(mutex_);
    go.swap(parked_);
  }
  cv_.notify_all();
  for (actor* a : go) unpark(a);
}

std::size_t send_gate::parked() const {
  std::lock_guard lock(mutex_);
  return parked_.size();
}

std::size_t send_gate::blocked() const {
  std::lock_guard lock(mutex_);
  return blocked_;
}

}  // namespace troupe::transport
