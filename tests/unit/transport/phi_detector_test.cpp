// phi_detector alone: time is given as time points the test chooses, so every figure is exact.
// The detector is what turns a silent peer into a lost one (transport/phi_detector.hpp).
#include "troupe/transport/phi_detector.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace troupe::transport {
namespace phi_detector_test {

using namespace std::chrono_literals;

/// Any fixed origin will do: the detector only looks at differences.
const time_point origin = time_point(std::chrono::hours(1));

/// A detector that heard `beats` heartbeats `every` apart, the last one at the returned time.
time_point beat_regularly(phi_detector& d, int beats, duration every, time_point from = origin) {
  time_point t = from;
  for (int i = 0; i < beats; ++i, t += every) d.heartbeat(t);
  return t - every;
}

TEST(PhiDetectorTest, SuspicionGrowsWithSilence) {
  detector_config config;
  phi_detector d(config, 100ms);
  auto last = beat_regularly(d, 50, 100ms);
  double previous = d.phi(last);
  for (auto silence : {100ms, 300ms, 450ms, 550ms, 650ms, 800ms, 1000ms}) {
    double now = d.phi(last + silence);
    EXPECT_GT(now, previous) << "after " << silence.count() << " ms of silence";
    previous = now;
  }
}

TEST(PhiDetectorTest, AHeartbeatResetsSuspicion) {
  detector_config config;
  phi_detector d(config, 100ms);
  auto last = beat_regularly(d, 50, 100ms);
  auto late = last + 650ms;
  ASSERT_GT(d.phi(late), config.suspect_phi);
  d.heartbeat(late);
  EXPECT_LT(d.phi(late), 0.1);
  EXPECT_LT(d.phi(late + 100ms), config.suspect_phi);
  EXPECT_EQ(d.last_arrival(), late);
}

TEST(PhiDetectorTest, ASteadyPeerIsSuspectedThenLostAboutPointSixFiveSecondsAfterItsLastHeartbeat) {
  // The defaults (100 ms beats, 300 ms pause, 50 ms deviation floor, threshold 8): the header
  // promises "about 0.65 s"; the exact crossing is 400 ms + 5.23 deviations ≈ 661 ms, and
  // suspicion (phi 4) begins at 400 ms + 3.64 deviations ≈ 582 ms.
  detector_config config;
  phi_detector d(config, 100ms);
  auto last = beat_regularly(d, 100, 100ms);
  EXPECT_LT(d.phi(last + 400ms), config.suspect_phi) << "a beat late by the acceptable pause is no suspicion";
  EXPECT_GE(d.phi(last + 600ms), config.suspect_phi);
  EXPECT_LT(d.phi(last + 600ms), config.threshold);
  EXPECT_LT(d.phi(last + 650ms), config.threshold);
  EXPECT_GE(d.phi(last + 670ms), config.threshold);
}

TEST(PhiDetectorTest, ANewPeerIsJudgedByTheExpectedIntervalBeforeItHasAHistory) {
  detector_config config;
  phi_detector fresh(config, 100ms);
  fresh.heartbeat(origin);
  phi_detector seasoned(config, 100ms);
  auto last = beat_regularly(seasoned, 100, 100ms);
  // One arrival and no interval learnt yet: the seed (two expected intervals) stands in.
  EXPECT_NEAR(fresh.phi(origin + 500ms), seasoned.phi(last + 500ms), 1e-9);
}

TEST(PhiDetectorTest, AJitteryLinkWaitsLongerBeforeAccusingThanASteadyOne) {
  detector_config config;
  phi_detector steady(config, 100ms);
  phi_detector jittery(config, 100ms);
  auto steady_last = beat_regularly(steady, 100, 100ms);
  time_point t = origin;
  for (int i = 0; i < 100; ++i) {  // the same mean, 100 ms, with a deviation of 80 ms
    jittery.heartbeat(t);
    t += (i % 2 == 0) ? 20ms : 180ms;
  }
  auto jittery_last = jittery.last_arrival();
  EXPECT_LT(jittery.phi(jittery_last + 660ms), steady.phi(steady_last + 660ms));
  EXPECT_LT(jittery.phi(jittery_last + 660ms), config.threshold);
  EXPECT_GE(steady.phi(steady_last + 670ms), config.threshold);
}

TEST(PhiDetectorTest, OnlyTheLastMaxSamplesIntervalsCount) {
  detector_config config;
  config.max_samples = 10;
  phi_detector long_history(config, 100ms);
  auto t = beat_regularly(long_history, 1000, 10ms);       // fast beats, long forgotten
  t = beat_regularly(long_history, 11, 500ms, t + 500ms);   // the last 10 intervals are 500 ms
  phi_detector slow_only(config, 500ms);
  auto u = beat_regularly(slow_only, 11, 500ms);
  EXPECT_NEAR(long_history.phi(t + 900ms), slow_only.phi(u + 900ms), 1e-6);
  EXPECT_LT(long_history.phi(t + 900ms), config.suspect_phi) << "a 10 ms history would accuse at once";
}

TEST(PhiDetectorTest, NoHistoryDeclaresAPeerLostBeforeTheEarliestLoss) {
  detector_config config;
  auto earliest = phi_detector::earliest_loss(config);
  // 300 ms pause + 5.23 deviations of 50 ms: about 561 ms.
  EXPECT_GT(earliest, 550ms);
  EXPECT_LT(earliest, 575ms);
  for (auto every : {1ms, 10ms, 100ms}) {  // the fastest history is the most eager
    phi_detector d(config, every);
    auto last = beat_regularly(d, 500, every);
    EXPECT_LT(d.phi(last + earliest - 1ms), config.threshold) << "beats every " << every.count() << " ms";
  }
  // And the bound is tight: a 1 ms history crosses within a few milliseconds of it.
  phi_detector eager(config, 1ms);
  auto last = beat_regularly(eager, 500, 1ms);
  EXPECT_GE(eager.phi(last + earliest + 5ms), config.threshold);
}

TEST(PhiDetectorTest, ALowerThresholdAccusesSooner) {
  detector_config strict;
  strict.threshold = 3;
  detector_config lenient;
  lenient.threshold = 12;
  EXPECT_LT(phi_detector::earliest_loss(strict), phi_detector::earliest_loss(detector_config{}));
  EXPECT_GT(phi_detector::earliest_loss(lenient), phi_detector::earliest_loss(detector_config{}));
}

}  // namespace phi_detector_test
}  // namespace troupe::transport
