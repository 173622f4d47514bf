#include "troupe/node/behaviour/task.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
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



/// A latch the test opens: a task that waits on it is "still running" for as long as the test wants.
struct gate {
  std::promise<void> open_;
  std::shared_future<void> opened = open_.get_future().share();
  void open() { open_.set_value(); }
};

// --- plain thread owners, on the deterministic scheduler ----------------------------------------

class TaskTest : public test::deterministic_fixture {
 protected:
  std::vector<std::string> log;
};

TEST_F(TaskTest, AwaitGivesWhatTheTasksFunctionReturned) {
  scoped_actor owner(sys);
  auto t = tasks::async(owner, [] { return 6 * 7; });
  run();
  EXPECT_EQ(describe(tasks::await(owner, t, 0s)), "42");
}

TEST_F(TaskTest, AVoidTaskAwaitsToSuccess) {
  scoped_actor owner(sys);
  bool ran = false;
  auto t = tasks::async(owner, [&ran] { ran = true; });
  run();
  EXPECT_TRUE(tasks::await(owner, t, 0s).has_value());
  EXPECT_TRUE(ran);
}

TEST_F(TaskTest, ATaskIsLinkedToTheProcessThatStartedIt) {
  scoped_actor owner(sys);
  auto t = tasks::async(owner, [] { return 1; });
  EXPECT_EQ(sys.info(t.id())->links, std::vector<pid>{owner.self()});
  run();
}

TEST_F(TaskTest, ACrashingTaskTakesItsLinkedOwnerDown) {
  scoped_actor owner(sys);
  auto t = tasks::async(owner, []() -> int { throw std::runtime_error("boom"); });
  run();
  auto r = tasks::await(owner, t, 0s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::exited);
  EXPECT_NE(r.error().message().find("boom"), std::string::npos) << r.error().message();
  ASSERT_TRUE(owner->exited());
  EXPECT_EQ(*owner->exited(), exit_reason::error("boom"));
}

TEST_F(TaskTest, AnOwnerTrappingExitsSurvivesACrashingTaskAndAwaitGivesExited) {
  scoped_actor owner(sys);
  owner->trap_exit(true);
  auto t = tasks::async(owner, []() -> int { throw std::runtime_error("boom"); });
  run();
  auto r = tasks::await(owner, t, 0s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::exited);
  EXPECT_FALSE(owner->exited());
  auto trapped = owner->receive<exit_msg>(0s);
  ASSERT_TRUE(trapped);
  EXPECT_EQ(trapped->from, t.id());
}

TEST_F(TaskTest, AwaitManyGivesOneResultPerTaskInOrder) {
  scoped_actor owner(sys);
  std::vector<task<int>> ts;
  for (int i = 1; i <= 4; ++i) ts.push_back(tasks::async(owner, [i] { return i * i; }));
  run();
  auto rs = tasks::await_many(owner, ts, 0s);
  std::vector<std::string> got;
  for (auto& r : rs) got.push_back(describe(r));
  EXPECT_EQ(got, (std::vector<std::string>{"1", "4", "9", "16"}));
}

TEST_F(TaskTest, ShuttingDownAFinishedTaskGivesItsValue) {
  scoped_actor owner(sys);
  auto t = tasks::async(owner, [] { return 5; });
  run();
  EXPECT_EQ(describe(tasks::shutdown(owner, t, 0s)), "5");
}

// --- actor owners: continuations, on the deterministic scheduler --------------------------------

TEST_F(TaskTest, AnActorAwaitsATaskWithoutBlocking) {
  pid d = spawn_driver(sys, [this](actor& self) {
    auto t = tasks::async(self, [] { return 42; });
    tasks::await(self, t, 1s, [this](result<int> r) { log.push_back(describe(r)); });
    log.push_back("handler returned");
  });
  sys.send(d, ping{});
  run();
  EXPECT_EQ(log, (std::vector<std::string>{"handler returned", "42"}));
  EXPECT_EQ(sys.counters().unhandled.load(), 0u);
}

TEST_F(TaskTest, AnActorIsTakenDownByItsCrashingTask) {
  scoped_actor probe(sys);
  pid d = spawn_driver(sys, [this](actor& self) {
    auto t = tasks::async(self, []() -> int { throw std::runtime_error("boom"); });
    tasks::await(self, t, 1s, [this](result<int> r) { log.push_back(describe(r)); });
  });
  ref_id mon = probe->monitor(d);
  sys.send(d, ping{});
  run();
  auto down = probe->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->ref, mon);
  EXPECT_EQ(down->reason, exit_reason::error("boom"));
}

TEST_F(TaskTest, AnActorTrappingExitsGetsExitedFromAwaitOnACrashedTask) {
  pid d = spawn_driver(
      sys,
      [this](actor& self) {
        auto t = tasks::async(self, []() -> int { throw std::runtime_error("boom"); });
        tasks::await(self, t, 1s, [this](result<int> r) { log.push_back(describe(r)); });
      },
      true);
  sys.send(d, ping{});
  run();
  EXPECT_EQ(log, std::vector<std::string>{"exited"});
  EXPECT_TRUE(sys.alive(d));
}

TEST_F(TaskTest, AnActorAwaitingATaskThatAlreadyFinishedStillGetsItsValue) {
  auto t = std::make_shared<std::optional<task<int>>>();
  pid d = spawn_driver(sys, [this, t](actor& self) {
    if (!*t) {
      t->emplace(tasks::async(self, [] { return 7; }));
      return;
    }
    tasks::await(self, **t, 1s, [this](result<int> r) { log.push_back(describe(r)); });
  });
  sys.send(d, ping{});
  run();
  EXPECT_FALSE(sys.alive((*t)->id()));
  sys.send(d, ping{});
  run();
  EXPECT_EQ(log, std::vector<std::string>{"7"});
}

TEST_F(TaskTest, AnActorsAwaitManyCollectsEveryResultInOrder) {
  pid d = spawn_driver(sys, [this](actor& self) {
    std::vector<task<int>> ts;
    for (int i = 3; i >= 1; --i) ts.push_back(tasks::async(self, [i] { return i; }));
    tasks::await_many(self, ts, 1s, [this](std::vector<result<int>> rs) {
      for (auto& r : rs) log.push_back(describe(r));
    });
  });
  sys.send(d, ping{});
  run();
  EXPECT_EQ(log, (std::vector<std::string>{"3", "2", "1"}));
}

TEST_F(TaskTest, ShuttingDownATaskBeforeItRunsStopsItAndGivesNothing) {
  bool ran = false;
  pid d = spawn_driver(sys, [this, &ran](actor& self) {
    auto t = tasks::async(self, [&ran] {
      ran = true;
      return 1;
    });
    tasks::shutdown(self, t, 1s, [this](std::optional<result<int>> r) { log.push_back(describe(r)); });
  });
  sys.send(d, ping{});
  run();
  EXPECT_EQ(log, std::vector<std::string>{"nothing"});
  EXPECT_FALSE(ran);
  EXPECT_TRUE(sys.alive(d)) << "the task was unlinked before it was shut down";
}

TEST_F(TaskTest, AnActorsStreamRunsAtMostMaxConcurrencyTasksAtOnce) {
  std::size_t baseline = 0, most = 0;
  pid d = spawn_driver(sys, [&, this](actor& self) {
    baseline = sys.process_count();
    std::vector<int> inputs{1, 2, 3, 4, 5, 6};
    tasks::async_stream(
        self, inputs,
        [&](int x) {
          most = std::max(most, sys.process_count() - baseline);
          return x * 10;
        },
        {.max_concurrency = 2}, [this](std::vector<result<int>> rs) {
          for (auto& r : rs) log.push_back(describe(r));
        });
  });
  sys.send(d, ping{});
  run();
  EXPECT_EQ(log, (std::vector<std::string>{"10", "20", "30", "40", "50", "60"}));
  EXPECT_EQ(most, 2u);
}

TEST_F(TaskTest, AnActorsStreamOverAnEmptyRangeFinishesAtOnce) {
  pid d = spawn_driver(sys, [this](actor& self) {
    tasks::async_stream(self, std::vector<int>{}, [](int x) { return x; }, {},
                        [this](std::vector<result<int>> rs) { log.push_back(std::to_string(rs.size())); });
  });
  sys.send(d, ping{});
  run();
  EXPECT_EQ(log, std::vector<std::string>{"0"});
}

// --- real threads: waits that must run out ---------------------------------------------------------

// --- Task.start, Task.start_link, Task.ignore -----------------------------------------------------

TEST_F(TaskTest, StartRunsTheFunctionInAnUnlinkedProcess) {
  // Elixir Task.start/1: for side effects; the task is not linked to the caller.
  scoped_actor owner(sys);
  bool ran = false;
  pid t = tasks::start(sys, [&ran] { ran = true; });
  EXPECT_TRUE(sys.info(t)->links.empty());
  run();
  EXPECT_TRUE(ran);
  EXPECT_FALSE(sys.alive(t));
}

TEST_F(TaskTest, AStartedTaskThatCrashesReachesNoOne) {
  // Elixir Task.start/1: no link, so the caller does not exit with the task.
  pid driver = spawn_driver(sys, [](actor& self) { tasks::start(self, []() -> int { throw std::runtime_error("boom"); }); });
  sys.send(driver, ping{});
  run();
  EXPECT_TRUE(sys.alive(driver));
}

TEST_F(TaskTest, StartLinkLinksTheTaskToItsStarter) {
  // Elixir Task.start_link/1: "the task is linked to the caller"; a crash takes a
  // non-trapping caller down.
  pid task_pid;
  pid driver = spawn_driver(sys, [&](actor& self) { task_pid = tasks::start_link(self, []() -> int { throw std::runtime_error("boom"); }); });
  sys.send(driver, ping{});
  sys.stepper()->dispatch_next();  // the driver's turn: the task exists, linked, not yet run
  EXPECT_EQ(sys.info(task_pid)->links, std::vector<pid>{driver});
  run();
  EXPECT_FALSE(sys.alive(driver));
}

TEST_F(TaskTest, IgnoreGivesTheValueOfAFinishedTask) {
  // Elixir Task.ignore/1: "{:ok, reply} if the reply is received before ignoring the task".
  scoped_actor owner(sys);
  auto t = tasks::async(owner, [] { return 5; });
  run();
  EXPECT_EQ(describe(tasks::ignore(owner, t)), "5");
}

TEST_F(TaskTest, IgnoringARunningTaskGivesNothingAndItsCrashNoLongerReachesTheOwner) {
  // Elixir Task.ignore/1: "The task will continue running, but it will be unlinked"; nil when
  // no reply came yet.
  scoped_actor owner(sys);
  auto t = tasks::async(owner, []() -> int { throw std::runtime_error("late"); });
  EXPECT_EQ(describe(tasks::ignore(owner, t)), "nothing");
  EXPECT_TRUE(sys.info(owner.self())->links.empty());
  run();
  EXPECT_FALSE(owner->exited()) << "the ignored task's crash did not take the owner down";
  EXPECT_FALSE(owner->receive<down_msg>(0s)) << "the owner's monitor went with it";
}

TEST_F(TaskTest, IgnoreGivesTheExitOfATaskThatAlreadyDied) {
  // Elixir Task.ignore/1: "{:exit, reason} if the task died before ignoring it".
  scoped_actor owner(sys);
  owner->trap_exit(true);
  auto t = tasks::async(owner, []() -> int { throw std::runtime_error("gone"); });
  run();
  auto r = tasks::ignore(owner, t);
  ASSERT_TRUE(r);
  ASSERT_FALSE(*r);
  EXPECT_EQ(r->error().code(), errc::exited);
}

class TaskThreadedTest : public ::testing::Test {
 protected:
  actor_system sys{actor_system_config{.node_name = "task", .threads = 3}};
};

TEST_F(TaskThreadedTest, AwaitTimesOutAndKillsTheTaskWithoutTakingTheOwnerDown) {
  scoped_actor owner(sys);
  scoped_actor watcher(sys);
  gate g;
  auto t = tasks::async(owner, [f = g.opened] {
    f.wait();
    return 1;
  });
  ref_id mon = watcher->monitor(t.id());
  auto r = tasks::await(owner, t, 50ms);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::timeout);
  g.open();
  auto down = watcher->receive<down_msg>(10s);
  ASSERT_TRUE(down) << "the killed task ends once its function returns";
  EXPECT_EQ(down->ref, mon);
  // The runtime cannot preempt the function; when it returns, the task's own normal exit and the
  // pending kill race (see the report on actor::resume), so either reason is the task ending.
  EXPECT_TRUE(down->reason == exit_reason::killed() || down->reason == exit_reason::normal()) << down->reason;
  EXPECT_FALSE(owner->exited()) << "the task was unlinked before the kill";
}

TEST_F(TaskThreadedTest, YieldGivesNothingOnTimeoutAndTheTaskKeepsRunning) {
  scoped_actor owner(sys);
  gate g;
  auto t = tasks::async(owner, [f = g.opened] {
    f.wait();
    return 9;
  });
  EXPECT_EQ(describe(tasks::yield(owner, t, 30ms)), "nothing");
  EXPECT_TRUE(sys.alive(t.id()));
  g.open();
  EXPECT_EQ(describe(tasks::yield(owner, t, 10s)), "9");
}

TEST_F(TaskThreadedTest, AwaitManyGivesTimeoutForTheTasksStillRunningAtTheDeadline) {
  scoped_actor owner(sys);
  gate g;
  std::vector<task<int>> ts;
  ts.push_back(tasks::async(owner, [] { return 1; }));
  ts.push_back(tasks::async(owner, [f = g.opened] {
    f.wait();
    return 2;
  }));
  auto rs = tasks::await_many(owner, ts, 1s);
  g.open();
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(describe(rs[0]), "1");
  EXPECT_EQ(describe(rs[1]), "timeout");
}

TEST_F(TaskThreadedTest, AnActorsYieldGivesNothingOnTimeoutThenTheResult) {
  scoped_actor probe(sys);
  pid report_to = probe.self();
  gate g;
  auto t = std::make_shared<std::optional<task<int>>>();
  pid d = spawn_driver(sys, [&, report_to, t](actor& self) {
    if (!*t) t->emplace(tasks::async(self, [f = g.opened] {
      f.wait();
      return 3;
    }));
    tasks::yield(self, **t, 30ms, [&self, report_to](std::optional<result<int>> r) {
      self.send(report_to, text{describe(r)});
    });
  });
  sys.send(d, ping{});
  auto first = probe->receive<text>(10s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->value, "nothing");
  g.open();
  sys.send(d, ping{});
  auto second = probe->receive<text>(10s);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->value, "3");
}

TEST_F(TaskThreadedTest, AStreamGivesResultsInInputOrder) {
  scoped_actor owner(sys);
  auto rs = tasks::async_stream(owner, std::vector<int>{1, 2, 3, 4, 5}, [](int x) { return x * x; },
                                {.max_concurrency = 2});
  std::vector<std::string> got;
  for (auto& r : rs) got.push_back(describe(r));
  EXPECT_EQ(got, (std::vector<std::string>{"1", "4", "9", "16", "25"}));
}

TEST_F(TaskThreadedTest, AnUnorderedStreamDoesNotHoldResultsBehindASlowInput) {
  scoped_actor owner(sys);
  gate g;
  auto slow_first = [f = g.opened](int x) {
    if (x == 0) f.wait();
    return x;
  };
  auto ordered = tasks::async_stream(owner, std::vector<int>{0, 1, 2}, slow_first,
                                     {.max_concurrency = 3, .timeout = 1s, .on_timeout = stream_on_timeout::kill_task});
  auto unordered = tasks::async_stream(owner, std::vector<int>{0, 1, 2}, slow_first,
                                       {.max_concurrency = 3, .ordered = false, .timeout = 1s, .on_timeout = stream_on_timeout::kill_task});
  g.open();
  std::vector<std::string> in_order, as_done;
  for (auto& r : ordered) in_order.push_back(describe(r));
  for (auto& r : unordered) as_done.push_back(describe(r));
  EXPECT_EQ(in_order, (std::vector<std::string>{"timeout", "1", "2"}));
  ASSERT_EQ(as_done.size(), 3u);
  EXPECT_EQ(as_done.back(), "timeout") << "the slow input is killed at its timeout and comes last";
}

TEST_F(TaskThreadedTest, AStreamsDefaultOnTimeoutEndsTheOwner) {
  // Elixir Task.async_stream on_timeout: ":exit (default) - the caller (the process that spawned
  // the tasks) exits"; its linked tasks go down with it and no further input starts.
  scoped_actor owner(sys);
  scoped_actor watcher(sys);
  watcher->monitor(owner.self());
  gate g;
  std::atomic<int> started{0};
  auto slow_first = [f = g.opened, &started](int x) {
    ++started;
    if (x == 0) f.wait();
    return x;
  };
  auto rs = tasks::async_stream(owner, std::vector<int>{0, 1, 2}, slow_first, {.max_concurrency = 1, .timeout = 100ms});
  std::vector<std::string> got;
  for (auto& r : rs) got.push_back(describe(r));
  g.open();
  EXPECT_EQ(got, (std::vector<std::string>{"timeout", "exited", "exited"}));
  ASSERT_TRUE(owner->exited());
  EXPECT_EQ(*owner->exited(), detail::stream_timeout_reason(100ms));
  auto down = watcher->receive<down_msg>(10s);
  ASSERT_TRUE(down) << "the owner's exit is seen by its monitors at once";
  EXPECT_EQ(down->reason, detail::stream_timeout_reason(100ms));
  EXPECT_EQ(started.load(), 1) << "nothing starts after the timeout";
}

TEST_F(TaskThreadedTest, AStreamWithKillTaskGivesTimeoutForTheLateInputAndGoesOn) {
  // Elixir on_timeout: ":kill_task - the task that timed out is killed. The value emitted for
  // that task is {:exit, :timeout}"; the stream goes on with the other inputs.
  scoped_actor owner(sys);
  gate g;
  auto slow_first = [f = g.opened](int x) {
    if (x == 0) f.wait();
    return x;
  };
  auto rs = tasks::async_stream(owner, std::vector<int>{0, 1, 2}, slow_first,
                                {.max_concurrency = 1, .timeout = 100ms, .on_timeout = stream_on_timeout::kill_task});
  std::vector<std::string> got;
  for (auto& r : rs) got.push_back(describe(r));
  g.open();
  EXPECT_EQ(got, (std::vector<std::string>{"timeout", "1", "2"}));
  EXPECT_FALSE(owner->exited());
}

TEST_F(TaskThreadedTest, AnActorsStreamOnTimeoutExitEndsTheActor) {
  // The same default from inside a process: the process exits with the timeout; its
  // continuation never runs.
  scoped_actor watcher(sys);
  gate g;
  std::atomic<bool> continued{false};
  pid d = spawn_driver(sys, [&](actor& self) {
    tasks::async_stream(self, std::vector<int>{0, 1}, [f = g.opened](int x) {
      if (x == 0) f.wait();
      return x;
    }, {.max_concurrency = 2, .timeout = 100ms}, [&](std::vector<result<int>>) { continued = true; });
  });
  watcher->monitor(d);
  sys.send(d, ping{});
  auto down = watcher->receive<down_msg>(10s);
  g.open();
  ASSERT_TRUE(down);
  EXPECT_EQ(down->reason, detail::stream_timeout_reason(100ms));
  EXPECT_FALSE(continued.load());
}

TEST_F(TaskThreadedTest, AnActorsStreamWithKillTaskHandsOverTimeoutForTheLateInput) {
  scoped_actor probe(sys);
  gate g;
  pid me = probe.self();
  pid d = spawn_driver(sys, [&, me](actor& self) {
    tasks::async_stream(self, std::vector<int>{0, 1, 2}, [f = g.opened](int x) {
      if (x == 0) f.wait();
      return x;
    }, {.max_concurrency = 2, .timeout = 100ms, .on_timeout = stream_on_timeout::kill_task},
                        [&self, me](std::vector<result<int>> rs) {
                          std::string all;
                          for (auto& r : rs) all += describe(r) + " ";
                          self.send(me, text{all});
                        });
  });
  sys.send(d, ping{});
  auto got = probe->receive<text>(10s);
  g.open();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->value, "timeout 1 2 ");
  EXPECT_TRUE(sys.alive(d));
}

}  // namespace
}  // namespace troupe
