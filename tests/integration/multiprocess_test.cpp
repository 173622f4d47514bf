// Real troupe-node processes, killed with SIGKILL and paused with SIGSTOP: links and monitors
// on their processes must fire noconnection within the configured detection time.

#include <gtest/gtest.h>

#include <csignal>

#include "troupe/node/spawner.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/node_pair.hpp"
#include "tests/support/test_messages.hpp"
#include "tools/troupe_node/builtin_actors.hpp"
#include "troupe/transport/node_events.hpp"

namespace troupe {
namespace {

using namespace std::chrono_literals;
constexpr auto peer_timeout = 1000ms;

class MultiProcessTest : public ::testing::Test {
 protected:
  test::test_node tester{test::unique_name("tester"), test::fast_config("mp-cookie")};
  std::string child_name = test::unique_name("child");
  std::unique_ptr<test::child_process> child;
  std::uint32_t child_creation = 0;

  void SetUp() override {
    child = std::make_unique<test::child_process>(std::vector<std::string>{
        TROUPE_NODE_BINARY, "--name", child_name, "--listen", "tcp://127.0.0.1:*", "--seeds", tester.net->address(),
        "--cookie", "mp-cookie", "--heartbeat-ms", "50", "--peer-timeout-ms", "1000", "--threads", "1", "--log-level", "warn"});
    auto ready = child->read_line(10s);
    ASSERT_TRUE(ready) << "troupe-node did not say it was ready";
    ASSERT_NE(ready->find(" ready on "), std::string::npos) << *ready;
    ASSERT_TRUE(tester.net->wait_connected(child_name, 10s));
    for (auto& p : tester.net->peers())
      if (p.name == child_name) child_creation = p.creation;
  }

  /// Spawns a `counter` on the child node, monitored (and linked if asked) by `self`.
  spawned spawn_counter(blocking_actor& self, bool link) {
    auto r = spawn_by_name(self, spawner_of(child_name, child_creation), "counter", spawn_args(5),
                           spawn_options{.link = link, .monitor = true}, 10s);
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : spawned{};
  }
};

TEST_F(MultiProcessTest, ACounterSpawnedOnAnotherProcessAnswersCalls) {
  scoped_actor self(*tester.system);
  auto c = spawn_counter(*self, false);
  ASSERT_TRUE(c.child);
  EXPECT_EQ(c.child.node, intern_node(child_name));
  self->send(c.child, builtin::counter_inc{3});  // a plain send: no reply expected
  auto e = make_envelope<builtin::counter_get>(self.self());
  e->correlation = tester.system->make_ref();
  auto want = e->correlation | envelope::reply_bit;
  tester.system->deliver(c.child, std::move(e));
  auto reply = self->receive_if([&](const envelope& x) { return x.correlation == want; }, 10s);
  ASSERT_TRUE(reply);
  EXPECT_EQ(payload<builtin::counter_value>(*reply).n, 8);
}

TEST_F(MultiProcessTest, SigkillOfTheNodeFiresNoconnectionWithinTheDetectionTime) {
  scoped_actor self(*tester.system);
  self->trap_exit(true);
  auto c = spawn_counter(*self, true);
  ASSERT_TRUE(c.child);
  auto killed_at = std::chrono::steady_clock::now();
  child->signal(SIGKILL);
  auto down = self->receive<down_msg>(peer_timeout + 3s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->ref, c.monitor_ref);
  EXPECT_EQ(down->reason, exit_reason::noconnection());
  auto ex = self->receive<exit_msg>(1s);
  ASSERT_TRUE(ex);
  EXPECT_EQ(ex->from, c.child);
  EXPECT_EQ(ex->reason, exit_reason::noconnection());
  EXPECT_LT(std::chrono::steady_clock::now() - killed_at, peer_timeout + 2s);
}

TEST_F(MultiProcessTest, SigstopOfTheNodeFiresNoconnectionAndSigcontBringsItBack) {
  scoped_actor self(*tester.system);
  tester.net->monitor_nodes(self.self(), true);
  auto c = spawn_counter(*self, false);
  ASSERT_TRUE(c.child);
  auto stopped_at = std::chrono::steady_clock::now();
  child->signal(SIGSTOP);
  auto down = self->receive<down_msg>(peer_timeout + 3s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->reason, exit_reason::noconnection());
  EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, peer_timeout + 2s);
  auto nd = self->receive<node_down>(2s);
  ASSERT_TRUE(nd);
  EXPECT_EQ(nd->node, child_name);
  child->signal(SIGCONT);
  auto up = self->receive<node_up>(10s);
  ASSERT_TRUE(up) << "the node did not come back after SIGCONT";
  EXPECT_EQ(up->node, child_name);
  EXPECT_EQ(up->creation, child_creation) << "same process, same incarnation";
}

TEST_F(MultiProcessTest, SigtermStopsTheNodeCleanlyAndPeersSeeItLeave) {
  scoped_actor self(*tester.system);
  auto c = spawn_counter(*self, false);
  ASSERT_TRUE(c.child);
  child->signal(SIGTERM);
  auto down = self->receive<down_msg>(5s);
  ASSERT_TRUE(down);
  // The process ended with the node (shutdown) and its exit reached us before the node left,
  // or the node left first (noconnection): either way the monitor fired once.
  EXPECT_TRUE(down->reason == exit_reason::shutdown() || down->reason == exit_reason::noconnection()) << down->reason;
  auto status = child->wait_exit(10s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0);
}

}  // namespace
}  // namespace troupe
