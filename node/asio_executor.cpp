#include "troupe/node/asio_executor.hpp"

#include <boost/asio/defer.hpp>
#include <boost/asio/post.hpp>

#include "troupe/node/log.hpp"

namespace troupe {
namespace {
thread_local const asio_executor* current_executor = nullptr;
}

asio_executor::asio_executor(std::size_t threads, std::function<void()> on_timer)
    : io_(static_cast<int>(threads)), work_(boost::asio::make_work_guard(io_)), on_timer_(std::move(on_timer)), timer_(io_) {
  for (std::size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this] {
      current_executor = this;
      for (;;) {
        try {
          io_.run();
          break;
        } catch (const std::exception& ex) {
          // Process turns never throw; this guards the timer callback and Asio itself.
          log()->error("scheduler thread caught: {}", ex.what());
        }
      }
      current_executor = nullptr;
    });
  }
}

asio_executor::~asio_executor() { stop(); }

void asio_executor::schedule(actor* a) noexcept {
  auto turn = [a] { detail::run_turn(a); };
  if (current_executor == this)
    boost::asio::defer(io_, turn);
  else
    boost::asio::post(io_, turn);
}

void asio_executor::arm_timer(time_point deadline) {
  std::lock_guard lock(timer_mutex_);
  if (stopped_ || (armed_ && *armed_ <= deadline)) return;
  armed_ = deadline;
  timer_.expires_at(deadline);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // re-armed for an earlier deadline, or stopping
    {
      std::lock_guard lock(timer_mutex_);
      armed_.reset();
    }
    on_timer_();
  });
}

void asio_executor::stop() {
  {
    std::lock_guard lock(timer_mutex_);
    if (stopped_) return;
    stopped_ = true;
    timer_.cancel();
  }
  // Let the queued turns run out (each releases a process reference), then the threads return.
  work_.reset();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

bool asio_executor::on_worker_thread() const noexcept { return current_executor == this; }

}  // namespace troupe
