#include "troupe/node/behaviour/task_supervisor.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/driver.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using test::ping;
using test::text;
using namespace std::chrono_literals;
using test::describe;
using test::spawn_driver;



// --- inside an actor, deterministic ---------------------------------------------------------------

class TaskSupervisorTest : public test::deterministic_fixture {
 protected:
  std::vector<std::string> log;
  pid sup = task_supervisor::start(sys);
};

TEST_F(TaskSupervisorTest, StartChildRunsTheFunctionInAChildLinkedToTheSupervisor) {
  std::vector<pid> sup_links_while_running;
  pid child;
  pid d = spawn_driver(sys, [&](actor& self) {
    task_supervisor::start_child(
        self, sup, [&] { sup_links_while_running = sys.info(sup)->links; }, 1s, [&](result<pid> r) {
          ASSERT_TRUE(r);
          child = *r;
        });
  });
  sys.send(d, ping{});
  run();
  EXPECT_EQ(sup_links_while_running, std::vector<pid>{child}) << "the child ran, linked to the supervisor";
  EXPECT_TRUE(sys.info(d)->links.empty()) << "and not to the caller";
  EXPECT_FALSE(sys.alive(child)) << "a child ends when its function returns";
}

TEST_F(TaskSupervisorTest, ACrashingChildIsNotRestartedAndTheSupervisorCarriesOn) {
  int runs = 0;
  pid d = spawn_driver(sys, [&](actor& self) {
    task_supervisor::start_child(
        self, sup,
        [&runs] {
          ++runs;
          throw std::runtime_error("child failed");
        },
        1s, [](result<pid>) {});
  });
  sys.send(d, ping{});
  run();
  EXPECT_EQ(runs, 1);
  EXPECT_TRUE(sys.alive(sup));
  EXPECT_TRUE(sys.alive(d)) << "the caller is not linked to the child";
}

TEST_F(TaskSupervisorTest, AnActorsAsyncNolinkGivesTheResult) {
  pid d = spawn_driver(sys, [this](actor& self) {
    task_supervisor::async_nolink(self, sup, [] { return 21 * 2; }, 1s, [this, &self](result<task<int>> t) {
      ASSERT_TRUE(t);
      tasks::await(self, *t, 1s, [this](result<int> r) { log.push_back(describe(r)); });
    });
  });
  sys.send(d, ping{});
  run();
  EXPECT_EQ(log, std::vector<std::string>{"42"});
}

TEST_F(TaskSupervisorTest, AnAsyncNolinkTaskThatCrashesGivesAnErrorAndLeavesTheCallerAlive) {
  pid d = spawn_driver(sys, [this](actor& self) {
    task_supervisor::async_nolink(
        self, sup, []() -> int { throw std::runtime_error("bad input"); }, 1s, [this, &self](result<task<int>> t) {
          ASSERT_TRUE(t);
          tasks::await(self, *t, 1s, [this](result<int> r) {
            log.push_back(describe(r));
            if (!r) log.push_back(r.error().message().find("bad input") != std::string::npos ? "with reason" : "no reason");
          });
        });
  });
  sys.send(d, ping{});
  run();
  EXPECT_EQ(log, (std::vector<std::string>{"exited", "with reason"}));
  EXPECT_TRUE(sys.alive(d));
  EXPECT_TRUE(sys.alive(sup));
}

TEST_F(TaskSupervisorTest, AnAsyncNolinkTaskIsLinkedToTheSupervisorNotTheCaller) {
  std::vector<pid> sup_links, caller_links;
  pid d = spawn_driver(sys, [&](actor& self) {
    task_supervisor::async_nolink(
        self, sup,
        [&, caller = self.self()] {
          sup_links = sys.info(sup)->links;
          caller_links = sys.info(caller)->links;
          return 1;
        },
        1s, [](result<task<int>>) {});
  });
  sys.send(d, ping{});
  run();
  EXPECT_EQ(sup_links.size(), 1u);
  EXPECT_TRUE(caller_links.empty());
}

TEST_F(TaskSupervisorTest, StartingAChildOnADeadSupervisorGivesNoproc) {
  sys.exit(sup, exit_reason::kill());
  run();
  pid d = spawn_driver(sys, [this](actor& self) {
    task_supervisor::start_child(self, sup, [] {}, 1s,
                                 [this](result<pid> r) { log.push_back(r ? "ok" : to_string(r.error().code())); });
  });
  sys.send(d, ping{});
  run();
  EXPECT_EQ(log, std::vector<std::string>{"noproc"});
}

TEST_F(TaskSupervisorTest, ALinkedSupervisorStopsWithItsParent) {
  pid parent = spawn_driver(sys, [this](actor& self) { sup = task_supervisor::start_link(self); });
  sys.send(parent, ping{});
  run();
  ASSERT_TRUE(sys.alive(sup));
  sys.exit(parent, exit_reason::shutdown());
  run();
  EXPECT_FALSE(sys.alive(sup));
}

// --- from a plain thread, blocking ---------------------------------------------------------------

class TaskSupervisorBlockingTest : public ::testing::Test {
 protected:
  actor_system sys{actor_system_config{.node_name = "tasksup", .threads = 1}};
  pid sup = task_supervisor::start(sys);
};

TEST_F(TaskSupervisorBlockingTest, StartChildIsFireAndForget) {
  scoped_actor probe(sys);
  pid report_to = probe.self();
  auto child = task_supervisor::start_child(sys, sup, [this, report_to] { sys.send(report_to, text{"done"}); });
  ASSERT_TRUE(child) << child.error().message();
  auto got = probe->receive<text>(5s);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->value, "done");
}

TEST_F(TaskSupervisorBlockingTest, AsyncNolinkIsAwaitedByTheCaller) {
  scoped_actor owner(sys);
  auto t = task_supervisor::async_nolink(owner, sup, [] { return 5; });
  ASSERT_TRUE(t);
  EXPECT_EQ(describe(tasks::await(owner, *t, 5s)), "5");
}

TEST_F(TaskSupervisorBlockingTest, ACrashingAsyncNolinkTaskGivesExitedAndTheCallerLivesOn) {
  scoped_actor owner(sys);
  auto t = task_supervisor::async_nolink(owner, sup, []() -> int { throw std::runtime_error("nope"); });
  ASSERT_TRUE(t);
  auto r = tasks::await(owner, *t, 5s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::exited);
  EXPECT_NE(r.error().message().find("nope"), std::string::npos);
  EXPECT_FALSE(owner->exited());
}

TEST_F(TaskSupervisorBlockingTest, FinishedChildrenLeaveTheSupervisor) {
  scoped_actor owner(sys);
  auto t = task_supervisor::async_nolink(owner, sup, [] { return 1; });
  ASSERT_TRUE(t);
  ASSERT_TRUE(tasks::await(owner, *t, 5s));
  // The supervisor hears of the exit through its link, possibly just after our DOWN: ask until
  // it has, within a deadline.
  auto deadline = std::chrono::steady_clock::now() + 5s;
  result<std::size_t> n = task_supervisor::count_children(sys, sup);
  while (n && *n != 0 && std::chrono::steady_clock::now() < deadline) n = task_supervisor::count_children(sys, sup);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 0u);
}

}  // namespace
}  // namespace troupe
