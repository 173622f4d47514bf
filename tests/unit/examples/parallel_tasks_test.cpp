/// The classic Task example: fan work out with Task.async, gather it with Task.await_many under
/// one deadline — and see what a slow task that misses the deadline does to the batch.

#include <gtest/gtest.h>

#include <future>
#include <latch>
#include <string>
#include <vector>

#include "troupe/node/behaviour/task.hpp"
#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/driver.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using test::ping;
using namespace std::chrono_literals;
using test::describe;
using test::spawn_driver;


std::vector<std::string> describe_all(const std::vector<result<int>>& rs) {
  std::vector<std::string> out;
  for (auto& r : rs) out.push_back(describe(r));
  return out;
}

/// A "remote price lookup": instant for most symbols, stuck until released for "SLOW".
int price_of(const std::string& symbol, const std::shared_future<void>& slow_released) {
  if (symbol == "SLOW") slow_released.wait();
  return static_cast<int>(symbol.size()) * 100;
}

class ParallelTasksTest : public ::testing::Test {
 protected:
  actor_system sys{actor_system_config{.node_name = "parallel", .threads = 3}};
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
};

TEST_F(ParallelTasksTest, EveryTaskAnswersWithinTheDeadlineInRequestOrder) {
  scoped_actor self(sys);
  std::vector<task<int>> lookups;
  for (std::string s : {"A", "BB", "CCC"})
    lookups.push_back(tasks::async(self, [this, s] { return price_of(s, released); }));
  EXPECT_EQ(describe_all(tasks::await_many(self, lookups, 5s)), (std::vector<std::string>{"100", "200", "300"}));
}

TEST_F(ParallelTasksTest, ASlowTaskMissesTheDeadlineWhileTheOthersAnswer) {
  scoped_actor self(sys);
  scoped_actor watcher(sys);
  std::vector<task<int>> lookups;
  for (std::string s : {"A", "SLOW", "CCC"})
    lookups.push_back(tasks::async(self, [this, s] { return price_of(s, released); }));
  ref_id slow_watch = watcher->monitor(lookups[1].id());
  auto results = tasks::await_many(self, lookups, 1s);
  EXPECT_EQ(describe_all(results), (std::vector<std::string>{"100", "timeout", "300"}));
  EXPECT_FALSE(self->exited()) << "the killed slow task was unlinked first";
  release.set_value();
  auto down = watcher->receive<down_msg>(10s);
  ASSERT_TRUE(down) << "the slow task is gone once its lookup returns";
  EXPECT_EQ(down->ref, slow_watch);
}

TEST_F(ParallelTasksTest, TasksRunInParallel) {
  // Two tasks that each wait for the other: they finish only if they run at the same time.
  scoped_actor self(sys);
  auto meet = std::make_shared<std::latch>(2);
  std::vector<task<int>> pair;
  for (int i = 0; i < 2; ++i)
    pair.push_back(tasks::async(self, [meet, i] {
      meet->arrive_and_wait();
      return i;
    }));
  EXPECT_EQ(describe_all(tasks::await_many(self, pair, 10s)), (std::vector<std::string>{"0", "1"}));
}

class ParallelTasksInActorsTest : public test::deterministic_fixture {};

TEST_F(ParallelTasksInActorsTest, AnActorFansOutAndGathersWithoutBlocking) {
  std::vector<std::string> log;
  std::promise<void> never;
  auto unused = never.get_future().share();
  pid quote = sys.spawn([&log, unused](actor& self) -> behavior {
    return {[&self, &log, unused](const ping&) {
      std::vector<task<int>> lookups;
      for (std::string s : {"A", "BB"}) lookups.push_back(tasks::async(self, [s, unused] { return price_of(s, unused); }));
      tasks::await_many(self, lookups, 1s, [&log](std::vector<result<int>> rs) {
        for (auto& r : rs) log.push_back(describe(r));
      });
    }};
  });
  sys.send(quote, ping{});
  run();
  EXPECT_EQ(log, (std::vector<std::string>{"100", "200"}));
}

}  // namespace
}  // namespace troupe
