// The stock keeper alone, in one process: a local actor system, calls from the test thread.

#include <gtest/gtest.h>

#include <troupe/node/actor_system.hpp>
#include <troupe/cluster/global_snapshot.hpp>
#include <troupe/node/call.hpp>
#include <troupe/node/spawner.hpp>

#include "stock_keeper.hpp"

namespace inventory {
namespace {

using namespace std::chrono_literals;

TEST(StockKeeperTest, AddsAndTakesAndAnswersTheLevel) {
  troupe::actor_system sys;
  auto keeper = sys.spawn<stock_keeper>("main");

  auto added = troupe::call<stock_level>(sys, keeper, stock_add{"bolts", 5}, 2s);
  ASSERT_TRUE(added) << added.error().message();
  EXPECT_EQ(added->count, 5);
  auto taken = troupe::call<stock_level>(sys, keeper, stock_add{"bolts", -2}, 2s);
  ASSERT_TRUE(taken) << taken.error().message();
  EXPECT_EQ(taken->count, 3);

  auto bolts = troupe::call<stock_level>(sys, keeper, stock_get{"bolts"}, 2s);
  auto nuts = troupe::call<stock_level>(sys, keeper, stock_get{"nuts"}, 2s);
  ASSERT_TRUE(bolts && nuts);
  EXPECT_EQ(bolts->count, 3);
  EXPECT_EQ(nuts->count, 0);
}

TEST(StockKeeperTest, ResumesFromTheLevelsItLastSaved) {
  troupe::actor_system sys;
  auto keeper = sys.spawn<stock_keeper>("main");
  std::map<std::string, std::int64_t> saved{{"bolts", 7}};
  sys.send(keeper, troupe::global_restore{"warehouse", troupe::spawn_args(saved)});

  auto bolts = troupe::call<stock_level>(sys, keeper, stock_get{"bolts"}, 2s);
  ASSERT_TRUE(bolts) << bolts.error().message();
  EXPECT_EQ(bolts->count, 7);
}

}  // namespace
}  // namespace inventory
