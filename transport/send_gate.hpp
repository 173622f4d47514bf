#pragma once
/// @file
/// `send_gate`: where senders to a busy peer wait (Erlang suspends a process that sends on a
/// busy distribution port). A process is parked after the message it is handling
/// (node/park.hpp); a plain thread blocks here, with a deadline, before it adds to the queue.
/// The I/O thread opens the gate when the peer's queue falls under its low-water mark, and on
/// losing the peer (its messages are then dropped and counted, and links fire noconnection).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include "troupe/node/clock.hpp"
#include "troupe/node/park.hpp"
#include "troupe/transport/outbound_buffer.hpp"

namespace troupe::transport {

class send_gate final : public park_gate {
 public:
  explicit send_gate(const outbound_buffer& out) : out_(out) {}
  ~send_gate() override = default;
  send_gate(const send_gate&) = delete;
  send_gate& operator=(const send_gate&) = delete;

  /// Keeps `a` until `open`, unless the queue is no longer busy. @threadsafe
  bool park(actor* a) noexcept override;
  /// Blocks a plain thread while the queue is busy and `reachable` holds, at most `timeout`.
  /// True if it may go on (not busy, or the peer is gone and the send will fail on its own).
  /// @threadsafe
  bool wait(duration timeout, const std::atomic<bool>& reachable);
  /// Lets every parked process and waiting thread go. @threadsafe (the I/O thread calls it)
  void open() noexcept;

  /// Processes parked here now, and threads blocked here now.
  [[nodiscard]] std::size_t parked() const;
  [[nodiscard]] std::size_t blocked() const;
  /// Suspensions so far (processes parked plus threads that had to wait), and the total time
  /// threads spent blocked here, in microseconds. Monotonic.
  [[nodiscard]] std::uint64_t suspensions() const noexcept { return suspensions_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t blocked_us() const noexcept { return blocked_us_.load(std::memory_order_relaxed); }

 private:
  const outbound_buffer& out_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<actor*> parked_;
  std::size_t blocked_ = 0;
  std::atomic<std::uint64_t> suspensions_{0};
  std::atomic<std::uint64_t> blocked_us_{0};
};

}  // namespace troupe::transport
