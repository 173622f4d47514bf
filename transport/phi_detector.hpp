#pragma once
/// @file
/// `phi_detector`: the phi-accrual failure detector (Hayashibara et al.), per peer.
///
/// Instead of a fixed timeout, it learns the distribution of heartbeat inter-arrival times and
/// reports phi = -log10(P(a heartbeat this late | the peer is alive)). The peer is suspected at
/// `suspect_phi` and declared lost at `threshold`. A jittery link (or a loaded machine) widens
/// the learnt distribution and so waits longer before accusing; a steady one detects fast.
///
/// Trade-off knobs (transport_config::detector): the heartbeat interval sets the resolution;
/// `acceptable_pause` is added to the mean (pauses we forgive: GC, a busy scheduler);
/// `min_std_dev` keeps a perfectly steady history from accusing on the first late beat; the
/// threshold trades false positives (low) against detection time (high). With the defaults
/// (100 ms beats, 300 ms pause, 50 ms σ, φ=8) a dead peer is declared lost about 0.65 s after
/// its last heartbeat. `max_silence` is a hard cap whatever phi says.

#include <cstddef>
#include <deque>

#include "troupe/node/clock.hpp"

namespace troupe::transport {

struct detector_config {
  double threshold = 8.0;
  double suspect_phi = 4.0;
  duration acceptable_pause = std::chrono::milliseconds(300);
  duration min_std_dev = std::chrono::milliseconds(50);
  std::size_t max_samples = 200;
};

class phi_detector {
 public:
  explicit phi_detector(const detector_config& config, duration expected_interval);
  /// A heartbeat (or any frame) arrived at `now`.
  void heartbeat(time_point now);
  /// How suspicious the silence since the last arrival is at `now`.
  [[nodiscard]] double phi(time_point now) const;
  /// The shortest silence after which any detector with `config` can declare a peer lost,
  /// whatever its history (mean interval 0, deviation at its floor). Failover safety rests on
  /// it: see the global supervisor's takeover grace.
  [[nodiscard]] static duration earliest_loss(const detector_config& config);
  [[nodiscard]] time_point last_arrival() const noexcept { return last_; }

 private:
  const detector_config& config_;
  std::deque<double> intervals_ms_;
  double sum_ = 0, sum_sq_ = 0;
  time_point last_{};
};

}  // namespace troupe::transport
