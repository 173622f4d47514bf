#include "troupe/node/scoped_actor.hpp"

#include <gtest/gtest.h>

#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using test::ping;
using test::pong;
using test::text;
using namespace std::chrono_literals;

TEST(ScopedActorTest, ReceiveTimesOutWhenNothingArrives) {
  actor_system sys(actor_system_config{.node_name = "scoped", .threads = 1});
  scoped_actor self(sys);
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(self->receive<ping>(30ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);
}

TEST(ScopedActorTest, ReceiveIsSelectiveAndKeepsOtherMessagesQueued) {
  actor_system sys(actor_system_config{.node_name = "scoped", .threads = 1});
  scoped_actor self(sys);
  sys.send(self.self(), text{"first"});
  sys.send(self.self(), ping{2});
  auto p = self->receive<ping>(1s);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->n, 2u);
  auto t = self->receive<text>(0s);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->value, "first");
}

TEST(ScopedActorTest, WakesWhenAMessageArrivesFromAnotherThread) {
  actor_system sys(actor_system_config{.node_name = "scoped", .threads = 2});
  scoped_actor self(sys);
  pid me = self.self();
  sys.spawn([me](actor& a) -> behavior {
    a.send_after(me, 10ms, pong{9});
    return {[](const ping&) {}};
  });
  auto p = self->receive<pong>(10s);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->n, 9u);
}

TEST(ScopedActorTest, ItsExitFiresMonitorsOnIt) {
  actor_system sys(actor_system_config{.node_name = "scoped", .threads = 1});
  scoped_actor watcher(sys);
  pid watched;
  {
    scoped_actor short_lived(sys);
    watched = short_lived.self();
    watcher->monitor(watched);
  }
  auto down = watcher->receive<down_msg>(5s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->who, watched);
  EXPECT_EQ(down->reason, exit_reason::normal());
}

TEST(ScopedActorTest, ALinkedCrashEndsItAndReceiveReportsTheReason) {
  actor_system sys(actor_system_config{.node_name = "scoped", .threads = 1});
  scoped_actor self(sys);
  pid p = sys.spawn([](actor&) -> behavior { return {[](const ping&) -> void { throw std::runtime_error("linked crash"); }}; });
  self->link(p);
  self->send(p, ping{});
  EXPECT_FALSE(self->receive<pong>(5s));
  ASSERT_TRUE(self->exited());
  EXPECT_EQ(*self->exited(), exit_reason::error("linked crash"));
}

}  // namespace
}  // namespace troupe
