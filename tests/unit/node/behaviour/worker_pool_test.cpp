#include "troupe/node/behaviour/worker_pool.hpp"

#include <gtest/gtest.h>

#include "troupe/node/behaviour/start_link.hpp"
#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using namespace std::chrono_literals;

/// Answers ping with pong; crashes on crash.
class echo_worker : public actor {
 protected:
  behavior make_behavior() override {
    return {
        [](const test::ping& p) { return test::pong{p.n}; },
        [](const test::crash& c) -> void { throw std::runtime_error(c.why); },
    };
  }
};

/// A process that checks workers out of a pool through the non-blocking API and keeps the
/// outcomes. `ping{n}`: check out with a timeout of n ms. `forward_to{w}`: check `w` in.
class borrower : public actor {
 public:
  borrower(pid pool, std::vector<result<pid>>* got) : pool_(pool), got_(got) {}

 protected:
  behavior make_behavior() override {
    return {
        [this](const test::ping& p) {
          worker_pool::checkout(*this, pool_, std::chrono::milliseconds(p.n), [this](result<pid> r) { got_->push_back(r); });
        },
        [this](const test::forward_to& f) { worker_pool::checkin(*this, pool_, f.target); },
    };
  }

 private:
  pid pool_;
  std::vector<result<pid>>* got_;
};

class WorkerPoolTest : public test::deterministic_fixture {
 protected:
  void TearDown() override { sys.shutdown(); }

  pid start_pool(std::size_t size, std::size_t overflow) {
    auto p = start<worker_pool>(sys, worker_pool_options{size, overflow}, child_spec::actor_of<echo_worker>(""));
    EXPECT_TRUE(p);
    return p ? *p : pid{};
  }
  pid idle_process() {
    pid p = sys.spawn([](actor&) -> behavior { return {[](const test::text&) {}}; });
    run();
    return p;
  }
  worker_pool_status status(const pid& pool) { return *worker_pool::status(sys, pool); }
};

TEST_F(WorkerPoolTest, CheckoutLendsIdleWorkersThenOverflowWorkersThenRefusesWhenFull) {
  pid pool = start_pool(2, 1);
  pid me = idle_process();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(worker_pool::checkout(sys, pool, me, 1s, false));
  auto full = worker_pool::checkout(sys, pool, me, 1s, false);
  EXPECT_EQ(full.error().code(), errc::overloaded);
  auto s = status(pool);
  EXPECT_EQ(s.checked_out, 3u);
  EXPECT_EQ(s.overflow, 1u);
  EXPECT_EQ(s.idle, 0u);
}

TEST_F(WorkerPoolTest, ACheckedInWorkerGoesBackToTheIdleWorkers) {
  pid pool = start_pool(1, 0);
  pid me = idle_process();
  pid w = *worker_pool::checkout(sys, pool, me);
  worker_pool::checkin(sys, pool, w);
  EXPECT_EQ(status(pool).idle, 1u);
  EXPECT_EQ(*worker_pool::checkout(sys, pool, me), w);
}

TEST_F(WorkerPoolTest, AnOverflowWorkerIsStoppedWhenCheckedIn) {
  pid pool = start_pool(1, 1);
  pid me = idle_process();
  (void)worker_pool::checkout(sys, pool, me);
  pid extra = *worker_pool::checkout(sys, pool, me);
  worker_pool::checkin(sys, pool, extra);
  auto s = status(pool);
  EXPECT_EQ(s.overflow, 0u);
  EXPECT_EQ(s.idle, 0u);
  EXPECT_FALSE(sys.alive(extra));
}

TEST_F(WorkerPoolTest, AProcessWaitingForAWorkerGetsTheNextOneCheckedIn) {
  pid pool = start_pool(1, 0);
  pid me = idle_process();
  pid w = *worker_pool::checkout(sys, pool, me);
  std::vector<result<pid>> got;
  pid b = sys.spawn<borrower>(pool, &got);
  sys.send(b, test::ping{5000});
  run();
  EXPECT_TRUE(got.empty()) << "blocked: the pool is empty";
  EXPECT_EQ(status(pool).waiting, 1u);
  worker_pool::checkin(sys, pool, w);
  run();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(*got[0], w);
}

TEST_F(WorkerPoolTest, AWaitingCheckoutFailsWithTimeoutAtItsDeadline) {
  pid pool = start_pool(1, 0);
  (void)worker_pool::checkout(sys, pool, idle_process());
  std::vector<result<pid>> got;
  pid b = sys.spawn<borrower>(pool, &got);
  sys.send(b, test::ping{100});
  run();
  advance(99ms);
  EXPECT_TRUE(got.empty());
  advance(1ms);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].error().code(), errc::timeout);
  EXPECT_EQ(status(pool).waiting, 0u);
}

TEST_F(WorkerPoolTest, AWorkerWhoseOwnerDiesIsReturnedToThePool) {
  pid pool = start_pool(2, 0);
  pid owner = idle_process();
  (void)worker_pool::checkout(sys, pool, owner);
  (void)worker_pool::checkout(sys, pool, owner);
  EXPECT_EQ(status(pool).checked_out, 2u);
  sys.exit(owner, exit_reason::kill());
  run();
  auto s = status(pool);
  EXPECT_EQ(s.checked_out, 0u);
  EXPECT_EQ(s.idle, 2u);
}

TEST_F(WorkerPoolTest, ACrashingWorkerIsReplaced) {
  pid pool = start_pool(2, 0);
  pid me = idle_process();
  pid w = *worker_pool::checkout(sys, pool, me);
  sys.send(w, test::crash{"boom"});
  run();
  EXPECT_FALSE(sys.alive(w));
  auto s = status(pool);
  EXPECT_EQ(s.checked_out, 0u);
  EXPECT_EQ(s.idle, 2u) << "a fresh worker took its place";
  EXPECT_TRUE(sys.alive(pool));
}

TEST_F(WorkerPoolTest, ATransactionChecksTheWorkerBackInAfterRunningTheFunction) {
  pid pool = start_pool(1, 0);
  pid me = idle_process();
  auto r = worker_pool::transaction(sys, pool, me, [&](const pid& w) {
    EXPECT_EQ(status(pool).checked_out, 1u);
    return w.serial;
  });
  ASSERT_TRUE(r);
  EXPECT_NE(*r, 0u);
  auto s = status(pool);
  EXPECT_EQ(s.checked_out, 0u);
  EXPECT_EQ(s.idle, 1u);
}

TEST_F(WorkerPoolTest, StoppingThePoolStopsItsWorkers) {
  pid pool = start_pool(2, 0);
  pid w = *worker_pool::checkout(sys, pool, idle_process());
  sys.exit(pool, exit_reason::shutdown());
  run();
  EXPECT_FALSE(sys.alive(pool));
  EXPECT_FALSE(sys.alive(w));
}

}  // namespace
}  // namespace troupe
