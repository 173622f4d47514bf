#include "troupe/node/behaviour/gen_server_stop.hpp"

#include <gtest/gtest.h>

#include "troupe/node/behaviour/gen_server.hpp"
#include "troupe/node/behaviour/start_link.hpp"
#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using test::ping;
using namespace std::chrono_literals;

/// Notes its terminate; traps exits if asked to.
class stoppable : public gen_server {
 public:
  stoppable(std::vector<std::string>* log, bool trap) : log_(log), trap_(trap) {}

 protected:
  init_result init() override {
    trap_exit(trap_);
    return init_result::ok();
  }
  behavior make_handlers() override {
    return {[](const test::crash& c) -> void { throw std::runtime_error(c.why); }};
  }
  void terminate(const exit_reason& r) override { log_->push_back("terminate " + r.to_string()); }

 private:
  std::vector<std::string>* log_;
  bool trap_;
};

class GenServerStopTest : public test::deterministic_fixture {
 protected:
  void TearDown() override { sys.shutdown(); }
  std::vector<std::string> log;
};

TEST_F(GenServerStopTest, StopRunsTerminateInAServerThatDoesNotTrapExits) {
  // OTP gen_server:stop/3: "the gen_server process calls Module:terminate/2 before exiting".
  auto p = start<stoppable>(sys, &log, false);
  ASSERT_TRUE(p);
  auto r = stop(sys, *p, exit_reason::shutdown("maintenance"));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_FALSE(sys.alive(*p));
  EXPECT_EQ(log, std::vector<std::string>{"terminate shutdown: maintenance"});
}

TEST_F(GenServerStopTest, StopRunsTerminateInAServerThatTrapsExits) {
  // The same rule whatever the server's trap_exit flag: the stop is not an exit signal.
  auto p = start<stoppable>(sys, &log, true);
  ASSERT_TRUE(p);
  ASSERT_TRUE(stop(sys, *p));
  EXPECT_FALSE(sys.alive(*p));
  EXPECT_EQ(log, std::vector<std::string>{"terminate normal"});
}

TEST_F(GenServerStopTest, StoppingAServerThatDoesNotExistGivesNoproc) {
  // OTP: "If the process does not exist, a noproc exception is raised."
  auto p = start<stoppable>(sys, &log, false);
  ASSERT_TRUE(p);
  sys.exit(*p, exit_reason::kill());
  run();
  auto r = stop(sys, *p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::noproc);
  auto named = stop(sys, "nobody");
  ASSERT_FALSE(named);
  EXPECT_EQ(named.error().code(), errc::noproc);
}

TEST_F(GenServerStopTest, StopReachesALocallyRegisteredName) {
  auto p = start<stoppable>(sys, start_options::local("cache"), &log, false);
  ASSERT_TRUE(p);
  ASSERT_TRUE(stop(sys, "cache", exit_reason::shutdown()));
  EXPECT_FALSE(sys.alive(*p));
  EXPECT_FALSE(sys.whereis("cache"));
}

TEST_F(GenServerStopTest, AServerThatDiesOfSomethingElseFirstGivesExitedWithThatReason) {
  // OTP: the caller exits with the other reason when the server terminates with a reason other
  // than the one asked for.
  auto p = start<stoppable>(sys, &log, false);
  ASSERT_TRUE(p);
  sys.send(*p, test::crash{"disk full"});  // queued ahead of the stop request
  auto r = stop(sys, *p, exit_reason::shutdown());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::exited);
  EXPECT_NE(r.error().message().find("disk full"), std::string::npos);
}

TEST(GenServerStopThreadedTest, StopWaitsUntilTerminateHasReturned) {
  // OTP: stop/3 returns only once the server has terminated (or the timeout passed).
  actor_system sys(actor_system_config{.node_name = "stop", .threads = 2});
  std::vector<std::string> log;
  auto p = start<stoppable>(sys, &log, false);
  ASSERT_TRUE(p);
  ASSERT_TRUE(stop(sys, *p, exit_reason::normal(), 5s));
  EXPECT_EQ(log, std::vector<std::string>{"terminate normal"}) << "terminate ran before stop returned";
  EXPECT_FALSE(sys.alive(*p));
}

}  // namespace
}  // namespace troupe
