#include "troupe/transport/phi_detector.hpp"

#include <algorithm>
#include <cmath>

namespace troupe::transport {

namespace {
double ms(duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
}  // namespace

phi_detector::phi_detector(const detector_config& config, duration expected_interval) : config_(config) {
  // Seed the history with the expected interval so a new peer is judged before it has a past.
  double seed = ms(expected_interval);
  intervals_ms_ = {seed, seed};
  sum_ = 2 * seed;
  sum_sq_ = 2 * seed * seed;
}

void phi_detector::heartbeat(time_point now) {
  if (last_ != time_point{}) {
    double i = ms(now - last_);
    intervals_ms_.push_back(i);
    sum_ += i;
    sum_sq_ += i * i;
    if (intervals_ms_.size() > config_.max_samples) {
      double old = intervals_ms_.front();
      intervals_ms_.pop_front();
      sum_ -= old;
      sum_sq_ -= old * old;
    }
  }
  last_ = now;
}

namespace {

/// phi for a silence `y` standard deviations past the expected arrival: a logistic
/// approximation of the normal CDF (as Akka's detector). Increasing in y.
double phi_of(double y) {
  double e = std::exp(-y * (1.5976 + 0.070566 * y * y));
  double p_later = y > 0 ? e / (1.0 + e) : 1.0 - 1.0 / (1.0 + e);
  return -std::log10(std::max(p_later, 1e-300));
}

}  // namespace

double phi_detector::phi(time_point now) const {
  double n = double(intervals_ms_.size());
  double mean = sum_ / n;
  double variance = std::max(0.0, sum_sq_ / n - mean * mean);
  double sd = std::max(std::sqrt(variance), ms(config_.min_std_dev));
  double t = ms(now - last_);
  return phi_of((t - (mean + ms(config_.acceptable_pause))) / sd);
}

duration phi_detector::earliest_loss(const detector_config& config) {
  double lo = 0, hi = 50;  // phi_of(50) is far past any sane threshold
  for (int i = 0; i < 60; ++i) {
    double mid = (lo + hi) / 2;
    (phi_of(mid) >= config.threshold ? hi : lo) = mid;
  }
  double t_ms = ms(config.acceptable_pause) + lo * ms(config.min_std_dev);
  return std::chrono::duration_cast<duration>(std::chrono::duration<double, std::milli>(t_ms));
}

}  // namespace troupe::transport
