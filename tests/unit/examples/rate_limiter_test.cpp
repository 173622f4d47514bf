/// Example: a token-bucket rate limiter as a gen_server. Each key has a bucket of `capacity`
/// tokens that refills at one token per `refill_every`; a call to acquire takes one token or is
/// refused with the time until the next one. Refill is computed from the node's clock on each
/// call, so an idle limiter costs no timers — and the manual clock makes the tests exact.

#include <gtest/gtest.h>

#include <unordered_map>

#include "troupe/node/behaviour/gen_server.hpp"
#include "troupe/node/behaviour/gen_server_call.hpp"
#include "troupe/node/behaviour/start_link.hpp"
#include "tests/support/deterministic_fixture.hpp"

namespace rate_limit {
struct acquire {
  std::string key;
  MSGPACK_DEFINE(key);
};
struct permit {
  bool granted = false;
  std::int64_t retry_after_ms = 0;
  MSGPACK_DEFINE(granted, retry_after_ms);
};
}  // namespace rate_limit

TROUPE_MESSAGE(rate_limit::acquire, "example.rate_limit.acquire");
TROUPE_MESSAGE(rate_limit::permit, "example.rate_limit.permit");

namespace troupe {
namespace {

using namespace rate_limit;
using namespace std::chrono_literals;

class rate_limiter : public gen_server {
 public:
  rate_limiter(std::int64_t capacity, duration refill_every) : capacity_(capacity), refill_every_(refill_every) {}

 protected:
  behavior make_handlers() override {
    return {[this](const acquire& a) { return take(a.key); }};
  }

 private:
  struct bucket {
    std::int64_t tokens;
    time_point refilled_at;
  };

  permit take(const std::string& key) {
    auto now = system().clock().now();
    auto [it, fresh] = buckets_.try_emplace(key, bucket{capacity_, now});
    bucket& b = it->second;
    refill(b, now);
    if (b.tokens > 0) {
      --b.tokens;
      return permit{true, 0};
    }
    auto wait = b.refilled_at + refill_every_ - now;
    return permit{false, std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()};
  }

  void refill(bucket& b, time_point now) const {
    auto earned = (now - b.refilled_at) / refill_every_;
    if (earned <= 0) return;
    b.tokens = std::min(capacity_, b.tokens + static_cast<std::int64_t>(earned));
    // A full bucket does not bank time; a partial one keeps the fraction of a token it earned.
    b.refilled_at = b.tokens == capacity_ ? now : b.refilled_at + earned * refill_every_;
  }

  std::int64_t capacity_;
  duration refill_every_;
  std::unordered_map<std::string, bucket> buckets_;
};

class RateLimiterTest : public test::deterministic_fixture {
 protected:
  void SetUp() override { ASSERT_TRUE(start<rate_limiter>(sys, start_options::local("limiter"), 3, duration(100ms))); }
  permit ask(const std::string& key) {
    auto p = call<permit>(sys, via{&sys.local_names(), "limiter"}, acquire{key}, 1s);
    EXPECT_TRUE(p) << p.error().message();
    return p ? *p : permit{};
  }
};

TEST_F(RateLimiterTest, ABurstUpToTheCapacityIsGranted) {
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(ask("alice").granted) << i;
}

TEST_F(RateLimiterTest, AnEmptyBucketRefusesAndSaysWhenToRetry) {
  for (int i = 0; i < 3; ++i) ask("alice");
  advance(30ms);
  auto p = ask("alice");
  EXPECT_FALSE(p.granted);
  EXPECT_EQ(p.retry_after_ms, 70);
}

TEST_F(RateLimiterTest, TokensComeBackAtTheRefillRate) {
  for (int i = 0; i < 3; ++i) ask("alice");
  advance(100ms);
  EXPECT_TRUE(ask("alice").granted);
  EXPECT_FALSE(ask("alice").granted);
  advance(250ms);
  EXPECT_TRUE(ask("alice").granted);
  EXPECT_TRUE(ask("alice").granted);
  EXPECT_FALSE(ask("alice").granted) << "the half token earned is kept, not rounded up";
  advance(50ms);
  EXPECT_TRUE(ask("alice").granted);
}

TEST_F(RateLimiterTest, ALongIdlePeriodNeverFillsPastTheCapacity) {
  ask("alice");
  advance(1h);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(ask("alice").granted);
  EXPECT_FALSE(ask("alice").granted);
}

TEST_F(RateLimiterTest, EachKeyHasABucketOfItsOwn) {
  for (int i = 0; i < 3; ++i) ask("alice");
  EXPECT_FALSE(ask("alice").granted);
  EXPECT_TRUE(ask("bob").granted);
}

}  // namespace
}  // namespace troupe
