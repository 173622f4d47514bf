// Which members a node watches (transport/monitor_ring.hpp).

#include "troupe/transport/monitor_ring.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace troupe::transport {
namespace {

using names = std::vector<std::string>;

TEST(MonitorRingTest, EachNodeWatchesTheKThatFollowItWrappingAround) {
  names m{"a", "b", "c", "d", "e", "f", "g", "h"};
  EXPECT_EQ(ring_successors("a", m, 3), (names{"b", "c", "d"}));
  EXPECT_EQ(ring_successors("g", m, 3), (names{"h", "a", "b"}));
  EXPECT_EQ(ring_predecessors("b", m, 3), (names{"a", "h", "g"}));
}

TEST(MonitorRingTest, ASmallClusterIsAFullMeshOfWatchers) {
  names m{"a", "b", "c", "d"};
  EXPECT_EQ(ring_successors("c", m, 5), (names{"d", "a", "b"}));
  EXPECT_EQ(ring_predecessors("c", m, 5), (names{"b", "a", "d"}));
  EXPECT_TRUE(ring_successors("a", names{"a"}, 5).empty());
  EXPECT_TRUE(ring_successors("a", names{}, 5).empty());
  EXPECT_TRUE(ring_successors("a", m, 0).empty());
}

TEST(MonitorRingTest, ANodeNotInTheListStillFindsItsPlace) {
  names m{"a", "c", "e"};
  EXPECT_EQ(ring_successors("d", m, 2), (names{"e", "a"}));
  EXPECT_EQ(ring_predecessors("d", m, 2), (names{"c", "a"}));
  EXPECT_EQ(ring_successors("z", m, 1), (names{"a"}));
}

// The relation the detector relies on: when every node computes the ring from the same members,
// x watches y exactly when y counts x among its watchers; every member is watched by k others
// and watches k others, whatever the cluster's size.
TEST(MonitorRingTest, EveryMemberIsWatchedByExactlyKWhateverTheClusterSize) {
  for (std::size_t n : {2u, 6u, 7u, 32u, 200u}) {
    names m;
    for (std::size_t i = 0; i < n; ++i) m.push_back("n" + std::to_string(1000 + i));
    const std::size_t k = 5, expected = std::min(k, n - 1);
    std::map<std::string, std::size_t> watched_by;
    for (auto& x : m) {
      auto s = ring_successors(x, m, k);
      EXPECT_EQ(s.size(), expected);
      for (auto& y : s) {
        ++watched_by[y];
        auto back = ring_predecessors(y, m, k);
        EXPECT_NE(std::ranges::find(back, x), back.end()) << x << " watches " << y;
      }
    }
    for (auto& x : m) EXPECT_EQ(watched_by[x], expected) << x << " of " << n;
  }
}

}  // namespace
}  // namespace troupe::transport
