#pragma once
/// @file
/// `asio_executor`: runs process turns on a pool of threads driving one Boost.Asio io_context.
///
/// A process woken from a worker thread is queued with `asio::defer`, which keeps it on that
/// thread's private queue: a ping-pong between two processes then runs on one thread with no
/// lock and no wake-up, while a deep queue still spreads over the pool (Asio wakes an idle
/// thread when a worker finds more than one handler waiting).

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "troupe/node/executor.hpp"

namespace troupe {

class asio_executor final : public executor {
 public:
  /// Starts `threads` workers; `on_timer` runs (on a worker) when an armed deadline passes.
  asio_executor(std::size_t threads, std::function<void()> on_timer);
  ~asio_executor() override;

  void schedule(actor* a) noexcept override;
  void arm_timer(time_point deadline) override;
  void stop() override;
  [[nodiscard]] bool on_worker_thread() const noexcept override;

 private:
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::function<void()> on_timer_;
  std::mutex timer_mutex_;
  boost::asio::steady_timer timer_;
  std::optional<time_point> armed_;
  bool stopped_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace troupe
