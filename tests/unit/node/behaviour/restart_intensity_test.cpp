// The restart rules the local and the global supervisor share (node/behaviour/restart_intensity.hpp):
// which restart types restart after which exits, and the intensity limit over a sliding window.
#include "troupe/node/behaviour/restart_intensity.hpp"

#include <gtest/gtest.h>

namespace troupe {
namespace restart_intensity_test {

TEST(RestartIntensityTest, PermanentAlwaysRestartsTransientOnlyAfterAnAbnormalExitTemporaryNever) {
  for (auto reason : {exit_reason::normal(), exit_reason::shutdown(), exit_reason::error("boom"), exit_reason::killed()}) {
    EXPECT_TRUE(restarts_after(restart_type::permanent, reason));
    EXPECT_EQ(restarts_after(restart_type::transient, reason), !reason.is_clean()) << reason.to_string();
    EXPECT_FALSE(restarts_after(restart_type::temporary, reason));
  }
}

TEST(RestartIntensityTest, MoreThanMaxRestartsWithinTheWindowIsTooMany) {
  restart_intensity r;
  const time_point t0{std::chrono::seconds(100)};
  const auto window = std::chrono::seconds(5);
  EXPECT_TRUE(r.note(t0, 3, window));
  EXPECT_TRUE(r.note(t0 + std::chrono::seconds(1), 3, window));
  EXPECT_TRUE(r.note(t0 + std::chrono::seconds(2), 3, window));
  EXPECT_FALSE(r.note(t0 + std::chrono::seconds(5), 3, window));  // four within 5 s (inclusive)
  EXPECT_EQ(r.recent(), 4u);
}

TEST(RestartIntensityTest, RestartsOlderThanTheWindowNoLongerCount) {
  restart_intensity r;
  const time_point t0{std::chrono::seconds(100)};
  const auto window = std::chrono::seconds(5);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(r.note(t0 + std::chrono::seconds(3 * i), 2, window)) << i;
  EXPECT_EQ(r.recent(), 2u);  // the one 3 s ago and this one
  EXPECT_FALSE(restart_intensity{}.note(t0, 0, window));  // none allowed: the first is too many
}

}  // namespace restart_intensity_test
}  // namespace troupe
