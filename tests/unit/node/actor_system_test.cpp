#include "troupe/node/actor_system.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <thread>

#include "troupe/node/scoped_actor.hpp"
#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using test::crash;
using test::ping;
using test::pong;
using namespace std::chrono_literals;

class NamesTest : public test::deterministic_fixture {};

pid spawn_idle(actor_system& sys) {
  return sys.spawn([](actor&) -> behavior { return {[](const ping&) {}}; });
}

TEST_F(NamesTest, ARegisteredNameResolvesAndReceivesMessages) {
  int got = 0;
  pid p = sys.spawn([&got](actor&) -> behavior { return {[&got](const ping&) { ++got; }}; });
  ASSERT_TRUE(sys.register_name("worker", p));
  EXPECT_EQ(sys.whereis("worker"), p);
  EXPECT_TRUE(sys.send("worker", ping{}));
  run();
  EXPECT_EQ(got, 1);
  EXPECT_EQ(sys.info(p)->registered_name, "worker");
}

TEST_F(NamesTest, ATakenNameIsRefusedWithAClearError) {
  pid a = spawn_idle(sys);
  pid b = spawn_idle(sys);
  ASSERT_TRUE(sys.register_name("x", a));
  auto r = sys.register_name("x", b);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::name_taken);
  EXPECT_NE(r.error().message().find(a.to_string()), std::string::npos);
}

TEST_F(NamesTest, ADeadProcessCannotBeRegistered) {
  pid a = spawn_idle(sys);
  sys.exit(a, exit_reason::kill());
  run();
  auto r = sys.register_name("late", a);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::noproc);
}

TEST_F(NamesTest, ANameIsReleasedWhenItsProcessDies) {
  pid a = spawn_idle(sys);
  ASSERT_TRUE(sys.register_name("temp", a));
  sys.exit(a, exit_reason::kill());
  run();
  EXPECT_FALSE(sys.whereis("temp"));
  EXPECT_FALSE(sys.send("temp", ping{}));
  pid b = spawn_idle(sys);
  EXPECT_TRUE(sys.register_name("temp", b));
}

TEST_F(NamesTest, UnregisterFreesTheName) {
  pid a = spawn_idle(sys);
  ASSERT_TRUE(sys.register_name("n", a));
  EXPECT_TRUE(sys.unregister_name("n"));
  EXPECT_FALSE(sys.whereis("n"));
  EXPECT_EQ(sys.info(a)->registered_name, "");
  EXPECT_FALSE(sys.unregister_name("n"));
}

class IntrospectionTest : public test::deterministic_fixture {};

TEST_F(IntrospectionTest, ProcessInfoReportsMailboxLengthAndStatus) {
  pid a = spawn_idle(sys);
  run();
  for (int i = 0; i < 5; ++i) sys.send(a, ping{});
  auto before = sys.info(a);
  ASSERT_TRUE(before);
  EXPECT_EQ(before->mailbox_length, 5u);
  run();
  auto after = sys.info(a);
  EXPECT_EQ(after->mailbox_length, 0u);
  EXPECT_EQ(after->messages_handled, 5u);
  EXPECT_EQ(after->status, process_status::waiting);
}

TEST_F(IntrospectionTest, ProcessesListsTheLiveOnes) {
  pid a = spawn_idle(sys);
  pid b = spawn_idle(sys);
  run();
  EXPECT_EQ(sys.processes(), (std::vector<pid>{a, b}));
  sys.exit(a, exit_reason::kill());
  run();
  EXPECT_EQ(sys.processes(), std::vector<pid>{b});
  EXPECT_EQ(sys.process_count(), 1u);
}

TEST_F(IntrospectionTest, NoInfoForADeadProcess) {
  pid a = spawn_idle(sys);
  sys.exit(a, exit_reason::kill());
  run();
  EXPECT_FALSE(sys.info(a));
}

class SpawnPreparedTest : public test::deterministic_fixture {};

// A spawn reply sent from before_run may be acted on at once (a monitor, a call): the child must
// be reachable by then. It used to run before publication, and a fast monitor got noproc.
TEST_F(SpawnPreparedTest, TheChildIsAliveWhenBeforeRunSeesItsPidButHasNotRunYet) {
  bool ran = false;
  bool alive_in_before_run = false, ran_before_before_run = true;
  pid child = sys.spawn_prepared(new function_actor([&ran](actor&) -> behavior {
                                   ran = true;
                                   return {[](const ping&) {}};
                                 }),
                                 {}, {}, 0, [&](const pid& p) {
                                   alive_in_before_run = sys.alive(p);
                                   ran_before_before_run = ran;
                                 });
  ASSERT_TRUE(child);
  EXPECT_TRUE(alive_in_before_run);
  EXPECT_FALSE(ran_before_before_run);
  run();
  EXPECT_TRUE(ran);
}

// --- the threaded scheduler ------------------------------------------------------------------------

TEST(ThreadedSystemTest, ManyProducersToOneProcessLoseNothing) {
  actor_system sys(actor_system_config{.node_name = "threaded", .threads = 2});
  constexpr int producers = 4;
  constexpr std::uint64_t per_producer = 20'000;
  scoped_actor probe(sys);
  pid done_to = probe.self();
  pid counter = sys.spawn([done_to](actor& self) -> behavior {
    auto count = std::make_shared<std::uint64_t>(0);
    return {[&self, count, done_to](const ping&) {
      if (++*count == producers * per_producer) self.send(done_to, pong{*count});
    }};
  });
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p)
    threads.emplace_back([&] {
      for (std::uint64_t i = 0; i < per_producer; ++i) sys.send(counter, ping{i});
    });
  for (auto& t : threads) t.join();
  auto done = probe->receive<pong>(30s);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->n, producers * per_producer);
}

TEST(ThreadedSystemTest, AnExceptionDoesNotTakeDownASchedulerThread) {
  actor_system sys(actor_system_config{.node_name = "threaded", .threads = 1});
  scoped_actor probe(sys);
  for (int i = 0; i < 10; ++i) {
    pid p = sys.spawn([](actor&) -> behavior { return {[](const crash& c) -> void { throw std::runtime_error(c.why); }}; });
    probe->monitor(p);
    sys.send(p, crash{"again"});
    auto down = probe->receive<down_msg>(10s);
    ASSERT_TRUE(down);
    EXPECT_EQ(down->reason, exit_reason::error("again"));
  }
  // The single scheduler thread survived all ten: it still runs processes.
  pid echo = sys.spawn([](actor& self) -> behavior { return {[&self](const ping& p) { self.send(self.sender(), pong{p.n}); }}; });
  probe->send(echo, ping{5});
  EXPECT_TRUE(probe->receive<pong>(10s));
}

TEST(ThreadedSystemTest, ShutdownWithFullMailboxesRunsEveryOnExitAndJoins) {
  std::atomic<int> exits{0};
  struct slow final : actor {
    std::atomic<int>* exits;
    explicit slow(std::atomic<int>* e) : exits(e) {}
    behavior make_behavior() override {
      return {[](const ping&) { std::this_thread::yield(); }};
    }
    void on_exit(const exit_reason& r) override {
      if (r == exit_reason::shutdown()) exits->fetch_add(1);
    }
  };
  constexpr int processes = 50;
  {
    actor_system sys(actor_system_config{.node_name = "threaded", .threads = 2});
    std::vector<pid> pids;
    for (int i = 0; i < processes; ++i) pids.push_back(sys.spawn<slow>(&exits));
    for (int round = 0; round < 2'000; ++round)
      for (auto& p : pids) sys.send(p, ping{});
    sys.shutdown();
    EXPECT_EQ(sys.process_count(), 0u);
    EXPECT_EQ(exits.load(), processes);
    EXPECT_GT(sys.counters().dropped_on_exit.load(), 0u) << "mailboxes were meant to be full";
    EXPECT_FALSE(sys.spawn<slow>(&exits)) << "no spawn after shutdown";
  }
}

TEST(ThreadedSystemTest, PingPongAcrossThreadsCompletes) {
  actor_system sys(actor_system_config{.node_name = "threaded", .threads = 2});
  scoped_actor probe(sys);
  pid done_to = probe.self();
  pid ponger = sys.spawn([](actor& self) -> behavior { return {[&self](const ping& p) { self.send(self.sender(), pong{p.n}); }}; });
  pid pinger = sys.spawn([ponger, done_to](actor& self) -> behavior {
    return {[&self, ponger](const ping& start) { self.send(ponger, ping{start.n}); },
            [&self, ponger, done_to](const pong& p) {
              if (p.n == 0) return self.send(done_to, pong{0});
              self.send(ponger, ping{p.n - 1});
            }};
  });
  sys.send(pinger, ping{10'000});
  auto done = probe->receive<pong>(30s);
  ASSERT_TRUE(done);
}

TEST(ThreadedSystemTest, TimersFireOnTheRealClock) {
  actor_system sys(actor_system_config{.node_name = "threaded", .threads = 2});
  scoped_actor probe(sys);
  auto start = std::chrono::steady_clock::now();
  sys.send_after(probe.self(), 20ms, ping{1});
  auto p = probe->receive<ping>(5s);
  ASSERT_TRUE(p);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
}

TEST(ThreadedSystemTest, ATimerCancelledWhileFiringNeverDelivers) {
  // Races cancel against the timer thread; whatever interleaving happens, a successful cancel
  // means no delivery and a failed cancel means exactly one.
  actor_system sys(actor_system_config{.node_name = "threaded", .threads = 2});
  std::atomic<int> delivered{0};
  pid p = sys.spawn([&delivered](actor&) -> behavior { return {[&delivered](const ping&) { delivered.fetch_add(1); }}; });
  int cancelled = 0;
  constexpr int timers = 2'000;
  for (int i = 0; i < timers; ++i) {
    auto t = sys.send_after(p, std::chrono::microseconds(i % 50), ping{});
    if (i % 3 == 0) std::this_thread::yield();
    if (sys.cancel_timer(t)) ++cancelled;
  }
  scoped_actor probe(sys);
  // Flush: a message sent after the last timer's deadline passes arrives after any timer message.
  probe->send_after(p, 5ms, ping{});
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (delivered.load() != timers - cancelled + 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  EXPECT_EQ(delivered.load(), timers - cancelled + 1);
}

}  // namespace
}  // namespace troupe
