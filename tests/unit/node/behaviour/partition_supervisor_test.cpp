#include "troupe/node/behaviour/partition_supervisor.hpp"

#include <gtest/gtest.h>

#include <set>

#include "troupe/node/behaviour/dynamic_supervisor.hpp"
#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using namespace std::chrono_literals;

class idle_worker : public actor {
 protected:
  behavior make_behavior() override { return {[](const test::ping& p) { return test::pong{p.n}; }}; }
};

class PartitionSupervisorTest : public test::deterministic_fixture {
 protected:
  void TearDown() override { sys.shutdown(); }

  partitions_handle start_partitions(std::size_t n) {
    auto h = partition_supervisor::start(sys, {.partitions = n}, [](std::size_t i) {
      return child_spec::supervisor_of<dynamic_supervisor>("ignored-" + std::to_string(i));
    });
    EXPECT_TRUE(h) << h.error().message();
    return *h;
  }
};

TEST_F(PartitionSupervisorTest, ItRunsOneChildPerPartitionWithIdsZeroToNMinusOne) {
  auto parts = start_partitions(4);
  auto children = parts.which_children(sys);
  ASSERT_TRUE(children);
  std::set<std::string> ids;
  for (auto& c : *children) {
    ids.insert(c.id);
    EXPECT_TRUE(sys.alive(c.child));
  }
  EXPECT_EQ(ids, (std::set<std::string>{"0", "1", "2", "3"}));
  EXPECT_EQ(parts.count_children(sys)->active, 4u);
  EXPECT_EQ(parts.partitions(), 4u);
}

TEST_F(PartitionSupervisorTest, AKeyAlwaysRoutesToTheSamePartitionAndIntegerKeysByRemainder) {
  auto parts = start_partitions(4);
  EXPECT_EQ(parts.route(6), parts.partition(2));
  EXPECT_EQ(parts.route(std::string("user-42")), parts.route(std::string("user-42")));
  std::set<std::uint64_t> used;
  for (int k = 0; k < 64; ++k) used.insert(parts.route(std::string("k") + std::to_string(k)).serial);
  EXPECT_EQ(used.size(), 4u) << "string keys spread over every partition";
}

TEST_F(PartitionSupervisorTest, StartChildThroughTheRouteStartsItInThatPartitionOnly) {
  auto parts = start_partitions(2);
  auto w = dynamic_supervisor::start_child(sys, parts.route(1), child_spec::actor_of<idle_worker>(""));
  ASSERT_TRUE(w);
  EXPECT_EQ(dynamic_supervisor::count_children(sys, parts.partition(1))->active, 1u);
  EXPECT_EQ(dynamic_supervisor::count_children(sys, parts.partition(0))->active, 0u);
}

TEST_F(PartitionSupervisorTest, ARestartedPartitionIsRoutedToItsNewProcess) {
  auto parts = start_partitions(2);
  pid before = parts.partition(1);
  sys.exit(before, exit_reason::kill());
  run();
  pid after = parts.partition(1);
  EXPECT_NE(after, before);
  EXPECT_TRUE(sys.alive(after));
  EXPECT_EQ(parts.route(3), after);
}

TEST_F(PartitionSupervisorTest, RoutesAreGoneOnceTheSupervisorStops) {
  auto parts = start_partitions(2);
  pid p0 = parts.partition(0);
  sys.exit(parts.supervisor(), exit_reason::shutdown());
  run();
  EXPECT_FALSE(sys.alive(p0));
  EXPECT_TRUE(parts.route(0).is_null());
}

}  // namespace
}  // namespace troupe
