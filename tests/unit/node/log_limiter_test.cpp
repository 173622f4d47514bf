#include "troupe/node/log_limiter.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include "troupe/node/log.hpp"
#include "troupe/node/pid.hpp"
#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe::test {
/// A type only this test sends, so the runtime's process-wide limiter has a key of its own.
struct flood_probe {
  MSGPACK_DEFINE();
};
}  // namespace troupe::test
TROUPE_MESSAGE(troupe::test::flood_probe, "test.log_limiter.flood_probe");

namespace troupe {
namespace {

using namespace std::chrono_literals;

/// Admits `n` occurrences at `at`; how many were let through.
int admitted(log_limiter& l, std::string_view kind, std::uint32_t node, time_point at, int n) {
  int out = 0;
  for (int i = 0; i < n; ++i) out += l.admit(kind, node, at).log ? 1 : 0;
  return out;
}

class LogLimiterTest : public ::testing::Test {
 protected:
  manual_clock clock;
  log_limiter limiter{log_limiter::options{.burst = 3, .interval = 10s}};
  std::uint32_t n1 = intern_node("limiter-n1"), n2 = intern_node("limiter-n2");
};

TEST_F(LogLimiterTest, AFloodIsLoggedAFewTimesPerIntervalThenCounted) {
  EXPECT_EQ(admitted(limiter, "test.ping", n1, clock.now(), 1'000'000), 3);
  clock.advance(9s);
  EXPECT_EQ(admitted(limiter, "test.ping", n1, clock.now(), 1000), 0) << "the interval has not ended";
}

TEST_F(LogLimiterTest, TheLastAdmittedLineOfAnIntervalIsMarked) {
  EXPECT_FALSE(limiter.admit("test.ping", n1, clock.now()).last);
  EXPECT_FALSE(limiter.admit("test.ping", n1, clock.now()).last);
  auto third = limiter.admit("test.ping", n1, clock.now());
  EXPECT_TRUE(third.log);
  EXPECT_TRUE(third.last);
}

TEST_F(LogLimiterTest, TheFirstLineOfTheNextIntervalSaysHowManyWereSuppressed) {
  admitted(limiter, "test.ping", n1, clock.now(), 3 + 41);
  clock.advance(10s);
  auto v = limiter.admit("test.ping", n1, clock.now());
  EXPECT_TRUE(v.log);
  EXPECT_EQ(v.suppressed, 41u);
  auto next = limiter.admit("test.ping", n1, clock.now());
  EXPECT_EQ(next.suppressed, 0u) << "reported once";
  clock.advance(10s);
  EXPECT_EQ(limiter.admit("test.ping", n1, clock.now()).suppressed, 0u) << "nothing was suppressed since";
}

TEST_F(LogLimiterTest, EachTypeAndSenderNodeHasItsOwnAllowance) {
  EXPECT_EQ(admitted(limiter, "test.ping", n1, clock.now(), 100), 3);
  EXPECT_EQ(admitted(limiter, "test.text", n1, clock.now(), 100), 3) << "another type";
  EXPECT_EQ(admitted(limiter, "test.ping", n2, clock.now(), 100), 3) << "another sender node";
}

TEST_F(LogLimiterTest, KeysPastTheBoundShareOneAllowance) {
  log_limiter small{log_limiter::options{.burst = 1, .interval = 10s, .max_keys = 2}};
  EXPECT_EQ(admitted(small, "a", 1, clock.now(), 5), 1);
  EXPECT_EQ(admitted(small, "b", 1, clock.now(), 5), 1);
  // A flood of ever new keys (a peer inventing node names) cannot grow the table.
  int through = 0;
  for (std::uint32_t node = 100; node < 10'100; ++node) through += small.admit("c", node, clock.now()).log ? 1 : 0;
  EXPECT_EQ(through, 1);
}

TEST_F(LogLimiterTest, ExpiredKeysMakeRoomForNewOnes) {
  log_limiter small{log_limiter::options{.burst = 1, .interval = 10s, .max_keys = 2}};
  admitted(small, "a", 1, clock.now(), 1);
  admitted(small, "b", 1, clock.now(), 1);
  clock.advance(10s);
  EXPECT_EQ(admitted(small, "c", 1, clock.now(), 5), 1);
  EXPECT_EQ(admitted(small, "d", 1, clock.now(), 5), 1) << "a and b had ended with nothing to report";
}

/// Adds a sink to the runtime's logger for the test's lifetime; what was logged, line by line.
class captured_log {
 public:
  captured_log() : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(text_)) { log()->sinks().push_back(sink_); }
  ~captured_log() { std::erase(log()->sinks(), sink_); }
  int count(std::string_view what) const {
    int n = 0;
    std::istringstream in(text_.str());
    for (std::string line; std::getline(in, line);) n += line.find(what) != std::string::npos ? 1 : 0;
    return n;
  }

 private:
  std::ostringstream text_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

class UnhandledFloodTest : public test::deterministic_fixture {};

TEST_F(UnhandledFloodTest, AFloodOfUnhandledMessagesWritesAFewLinesThenHowManyWereSuppressed) {
  captured_log lines;
  pid deaf = sys.spawn([](actor&) -> behavior { return {[](const test::text&) {}}; });
  for (int i = 0; i < 10'000; ++i) sys.send(deaf, test::flood_probe{});
  run();
  EXPECT_EQ(sys.counters().unhandled.load(), 10'000u) << "every one is still counted";
  EXPECT_EQ(lines.count("has no handler for message 'test.log_limiter.flood_probe'"), 5);
  EXPECT_EQ(lines.count("further warnings about 'test.log_limiter.flood_probe' (no known node) are suppressed for 10 s"), 1);
  advance(10s);
  sys.send(deaf, test::flood_probe{});
  run();
  EXPECT_EQ(lines.count("suppressed 9995 more warnings about 'test.log_limiter.flood_probe' (no known node) in the last 10 s"), 1);
  EXPECT_EQ(lines.count("has no handler for message 'test.log_limiter.flood_probe'"), 6);
}

}  // namespace
}  // namespace troupe
