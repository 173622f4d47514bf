#include "troupe/node/scoped_actor.hpp"

namespace troupe {

void blocking_actor::wake() noexcept {
  {
    std::lock_guard lock(mutex_);
  }
  cv_.notify_all();
  intrusive_release(this);
}

envelope_ptr blocking_actor::take(const std::function<bool(const envelope&)>& pred) {
  for (;;) {
    envelope* e = local_take_if([&](envelope& x) {
      if (!holds<detail::timed_message>(x)) return pred(x);
      auto& t = payload<detail::timed_message>(x);
      return t.state->phase.load() == timer_state::cancelled || pred(*t.inner);
    });
    if (e == nullptr) return nullptr;
    envelope_ptr owned(e);
    if (!holds<detail::timed_message>(*owned)) return owned;
    auto& t = payload<detail::timed_message>(*owned);
    if (t.state->try_deliver()) return std::move(t.inner);
  }
}

envelope_ptr blocking_actor::receive_if(const std::function<bool(const envelope&)>& pred, duration timeout) {
  // scheduled_ == true means this thread will look at the inbox by itself, so producers need not
  // notify; it is cleared only while this thread sleeps on the condition variable.
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    drain_inbox(SIZE_MAX / 8);
    if (exit_) {
      terminate();
      return nullptr;
    }
    if (auto e = take(pred)) {
      handled_.store(handled_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      return e;
    }
    if (timeout.count() <= 0) return nullptr;
    std::unique_lock lock(mutex_);
    scheduled_.store(false, std::memory_order_seq_cst);
    bool woken = !inbox_.empty() ||
                 cv_.wait_until(lock, deadline, [&] { return scheduled_.load(std::memory_order_seq_cst); });
    scheduled_.store(true, std::memory_order_seq_cst);
    if (!woken) timeout = duration::zero();  // one last look, then give up
  }
}

std::optional<exit_reason> blocking_actor::exited() const {
  if (exit_) return *exit_;
  return std::nullopt;
}

scoped_actor::scoped_actor(actor_system& system) : actor_(new blocking_actor) {
  intrusive_add_ref(actor_);  // ours, besides the table's
  system.start_detached(actor_);
}

scoped_actor::~scoped_actor() {
  if (!actor_->terminated_) {
    actor_->request_exit(exit_reason::normal());
    actor_->terminate();
  }
  intrusive_release(actor_);
}

}  // namespace troupe
