#include "troupe/node/behaviour/circuit_breaker.hpp"

namespace troupe {

circuit_breaker::circuit_breaker(const troupe::clock& clock, circuit_breaker_options opts)
    : clock_(clock), opts_(opts) {}

bool circuit_breaker::ask() {
  std::lock_guard g(mutex_);
  switch (state_) {
    case breaker_state::closed:
      return true;
    case breaker_state::open:
      if (clock_.now() - opened_at_ < opts_.cool_down) return false;
      state_ = breaker_state::half_open;
      trial_in_flight_ = true;
      return true;
    case breaker_state::half_open:
      if (trial_in_flight_) return false;
      trial_in_flight_ = true;
      return true;
  }
  return false;
}

void circuit_breaker::record_success() {
  std::lock_guard g(mutex_);
  if (state_ != breaker_state::half_open) return;
  state_ = breaker_state::closed;
  trial_in_flight_ = false;
  failures_.clear();
}

void circuit_breaker::record_failure() {
  std::lock_guard g(mutex_);
  const time_point now = clock_.now();
  if (state_ == breaker_state::half_open) return open_now(now);
  if (state_ == breaker_state::open) return;  // a call begun before the circuit opened
  forget_old_failures(now);
  failures_.push_back(now);
  if (failures_.size() >= opts_.max_failures) open_now(now);
}

void circuit_breaker::reset() {
  std::lock_guard g(mutex_);
  state_ = breaker_state::closed;
  trial_in_flight_ = false;
  failures_.clear();
}

breaker_state circuit_breaker::state() const {
  std::lock_guard g(mutex_);
  return state_;
}

void circuit_breaker::open_now(time_point now) {
  state_ = breaker_state::open;
  opened_at_ = now;
  trial_in_flight_ = false;
  failures_.clear();
}

void circuit_breaker::forget_old_failures(time_point now) {
  while (!failures_.empty() && now - failures_.front() >= opts_.window) failures_.pop_front();
}

}  // namespace troupe
