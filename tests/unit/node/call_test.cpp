#include "troupe/node/call.hpp"

#include <gtest/gtest.h>

#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using test::crash;
using test::ping;
using test::pong;
using test::text;
using namespace std::chrono_literals;

/// Answers ping with pong (by returning it); keeps `text` calls to answer later on `ping{0}`.
class server final : public actor {
 protected:
  behavior make_behavior() override {
    return {
        [](const ping& p) { return pong{p.n * 2}; },
        [this](const text&) { parked_ = current_call(); },
        [this](const crash& c) -> void {
          if (parked_) reply(parked_, pong{99});
          if (!c.why.empty()) throw std::runtime_error(c.why);
        },
    };
  }

 private:
  reply_to parked_;
};

TEST(CallTest, ABlockingCallReturnsTheReply) {
  actor_system sys(actor_system_config{.node_name = "call", .threads = 2});
  pid s = sys.spawn<server>();
  auto r = call<pong>(sys, s, ping{21}, 5s);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->n, 42u);
}

TEST(CallTest, ACallToADeadProcessFailsWithNoproc) {
  actor_system sys(actor_system_config{.node_name = "call", .threads = 2});
  pid s = sys.spawn<server>();
  sys.exit(s, exit_reason::kill());
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (sys.alive(s) && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  auto r = call<pong>(sys, s, ping{1}, 5s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::noproc);
}

TEST(CallTest, ACallTimesOutWhenTheServerNeverReplies) {
  actor_system sys(actor_system_config{.node_name = "call", .threads = 2});
  pid s = sys.spawn<server>();
  auto r = call<pong>(sys, s, text{"park"}, 50ms);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::timeout);
}

TEST(CallTest, ALateReplyNeverLeaksIntoALaterCall) {
  actor_system sys(actor_system_config{.node_name = "call", .threads = 2});
  pid s = sys.spawn<server>();
  ASSERT_FALSE(call<pong>(sys, s, text{"park"}, 20ms));
  sys.send(s, crash{""});  // now the parked call gets its (late) reply: pong{99}
  auto r = call<pong>(sys, s, ping{1}, 5s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->n, 2u);
}

TEST(CallTest, AServerDyingMidCallFailsTheCallWithItsExitReason) {
  actor_system sys(actor_system_config{.node_name = "call", .threads = 2});
  pid s = sys.spawn<server>();
  std::thread killer([&] {
    // The call is parked by the server; crash it from elsewhere once it is.
    while (sys.info(s) && sys.info(s)->messages_handled == 0) std::this_thread::yield();
    auto e = make_envelope<crash>(pid{}, crash{"mid-call"});
    sys.deliver(s, std::move(e));
  });
  auto r = call<pong>(sys, s, text{"park"}, 10s);
  killer.join();
  // The server replies pong{99} to the parked call just before it throws, so either outcome is
  // the server's: but never a timeout.
  if (r) {
    EXPECT_EQ(r->n, 99u);
  } else {
    EXPECT_EQ(r.error().code(), errc::exited);
  }
}

TEST(CallTest, AServerThatDiesWithoutReplyingGivesExited) {
  actor_system sys(actor_system_config{.node_name = "call", .threads = 2});
  pid s = sys.spawn([](actor&) -> behavior { return {[](const ping&) -> pong { throw std::runtime_error("no"); }}; });
  auto r = call<pong>(sys, s, ping{1}, 10s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::exited);
  EXPECT_NE(r.error().message().find("error: no"), std::string::npos);
}

TEST(CallTest, ACallOfATypeTheServerDoesNotHandleFailsAtOnceNamingTheTypeAndTheServer) {
  actor_system sys(actor_system_config{.node_name = "call", .threads = 2});
  pid s = sys.spawn<server>();
  auto started = std::chrono::steady_clock::now();
  auto r = call<pong>(sys, s, test::forward_to{}, 30s);
  ASSERT_FALSE(r);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s) << "answered at once, not after the call timeout";
  EXPECT_EQ(r.error().code(), errc::unhandled);
  EXPECT_EQ(r.error().message(), "unhandled: " + s.to_string() + " has no handler for call 'test.forward_to'");
  EXPECT_EQ(sys.counters().unhandled.load(), 1u) << "still counted as unhandled";
  EXPECT_TRUE(sys.alive(s));
}

TEST(CallTest, ACallByNameResolvesTheName) {
  actor_system sys(actor_system_config{.node_name = "call", .threads = 2});
  pid s = sys.spawn<server>();
  ASSERT_TRUE(sys.register_name("srv", s));
  auto r = call<pong>(sys, "srv", ping{5});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->n, 10u);
  auto missing = call<pong>(sys, "nobody", ping{5});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), errc::noproc);
}

class RequestTest : public test::deterministic_fixture {};

/// Forwards a ping as a non-blocking request and records the outcome.
class client final : public actor {
 public:
  client(pid server, std::vector<std::string>* log, duration timeout) : server_(server), log_(log), timeout_(timeout) {}

 protected:
  behavior make_behavior() override {
    return {[this](const ping& p) {
      request<pong>(server_, ping{p.n}, timeout_, [this](result<pong> r) {
        log_->push_back(r ? "pong " + std::to_string(r->n) : std::string(to_string(r.error().code())));
      });
    }};
  }

 private:
  pid server_;
  std::vector<std::string>* log_;
  duration timeout_;
};

TEST_F(RequestTest, ARequestFromAnActorGetsItsReplyWithoutBlocking) {
  std::vector<std::string> log;
  pid s = sys.spawn<server>();
  pid c = sys.spawn<client>(s, &log, 1s);
  sys.send(c, ping{4});
  run();
  EXPECT_EQ(log, std::vector<std::string>{"pong 8"});
  EXPECT_EQ(sys.info(c)->monitors.size(), 0u) << "the call's monitor is dropped";
}

TEST_F(RequestTest, ARequestToNoOneFailsWithNoproc) {
  std::vector<std::string> log;
  pid s = sys.spawn<server>();
  sys.exit(s, exit_reason::kill());
  pid c = sys.spawn<client>(s, &log, 1s);
  run();
  sys.send(c, ping{4});
  run();
  EXPECT_EQ(log, std::vector<std::string>{"noproc"});
}

TEST_F(RequestTest, ARequestTimesOutAndTheLateReplyIsDropped) {
  std::vector<std::string> log;
  pid slow = sys.spawn([](actor& self) -> behavior {
    return {[&self](const ping& p) {
      self.send_after(self.self(), 2s, text{"answer"});
      auto to = self.current_call();
      self.become({[&self, to, n = p.n](const text&) { self.reply(to, pong{n}); }});
    }};
  });
  pid c = sys.spawn<client>(slow, &log, 1s);
  sys.send(c, ping{1});
  run();
  advance(1s);
  EXPECT_EQ(log, std::vector<std::string>{"timeout"});
  advance(1s);  // the late reply arrives now
  EXPECT_EQ(log.size(), 1u);
  EXPECT_EQ(sys.counters().unhandled.load(), 0u);
  EXPECT_EQ(sys.info(c)->monitors.size(), 0u);
}

TEST_F(RequestTest, ARequestOfATypeTheServerDoesNotHandleFailsWithUnhandledWithoutATimeout) {
  std::vector<std::string> log;
  pid deaf = sys.spawn([](actor&) -> behavior { return {[](const text&) {}}; });
  pid c = sys.spawn<client>(deaf, &log, 1h);
  sys.send(c, ping{1});
  run();  // no time passes: the answer comes from the server's runtime, not from a timer
  EXPECT_EQ(log, std::vector<std::string>{"unhandled"});
  EXPECT_EQ(sys.counters().unhandled.load(), 1u);
  EXPECT_EQ(sys.info(c)->monitors.size(), 0u) << "the call's monitor is dropped";
}

TEST_F(RequestTest, APlainMessageOfAnUnhandledTypeGetsNoAnswer) {
  pid deaf = sys.spawn([](actor&) -> behavior { return {[](const text&) {}}; });
  pid sender = sys.spawn([deaf](actor& self) -> behavior {
    self.send(deaf, ping{1});
    return {[](const text&) {}};
  });
  run();
  EXPECT_EQ(sys.counters().unhandled.load(), 1u) << "the sender got nothing back to not handle";
  EXPECT_EQ(sys.info(sender)->messages_handled, 0u);
}

}  // namespace
}  // namespace troupe
