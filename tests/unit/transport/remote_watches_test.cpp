// remote_watches alone: one local actor_system (deterministic, no network) whose sends to the
// peer's pids go to a router that only records them and shows them to the table, as both
// transports do; what "arrives from the peer" is handed to `inbound` and delivered locally, as
// they do too. The peer is never real: losing it is a call to `fire_noconnection`.
#include "troupe/transport/remote_watches.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "tests/support/test_messages.hpp"
#include "troupe/node/actor_system.hpp"
#include "troupe/node/remote_router.hpp"
#include "troupe/node/scoped_actor.hpp"
#include "troupe/node/spawner.hpp"
#include "troupe/node/stepped_executor.hpp"
#include "troupe/node/system_messages.hpp"

namespace troupe::transport {
namespace remote_watches_test {

using namespace std::chrono_literals;

/// The far side of the one connection: records what leaves and shows signals to the table.
class recording_router final : public remote_router {
 public:
  explicit recording_router(remote_watches& watches) : watches_(watches) {}
  envelope_ptr route(const pid& to, envelope_ptr e) override {
    if (e->type->signal) watches_.outbound(to, *e);
    sent.emplace_back(to, e->type);
    return nullptr;
  }
  envelope_ptr route_to_name(std::string_view, std::string_view, envelope_ptr e) override {
    if (e->type->signal) watches_.outbound_to_name(*e);
    sent.emplace_back(pid{}, e->type);
    return nullptr;
  }
  std::vector<std::pair<pid, const message_type*>> sent;

 private:
  remote_watches& watches_;
};

class RemoteWatchesTest : public ::testing::Test {
 protected:
  RemoteWatchesTest() { sys.set_remote_router(&router); }
  ~RemoteWatchesTest() override { sys.set_remote_router(nullptr); }

  /// A signal or message from the peer's process `from` reaches local `to`, as a transport
  /// hands it over: the table sees it first, then the local process gets it.
  template <class T>
  void arrive(const pid& from, const pid& to, T value) {
    auto e = make_envelope<T>(from, std::move(value));
    watches.inbound(to, *e);
    sys.deliver_local(to, std::move(e));
    run();
  }
  void lose_peer() {
    watches.fire_noconnection(sys);
    run();
  }
  void run() { sys.stepper()->run_until_idle(); }
  std::size_t sent_of(const message_type& t) const {
    std::size_t n = 0;
    for (auto& [to, type] : router.sent) n += type == &t;
    return n;
  }

  actor_system sys{actor_system_config{.node_name = "watches-local", .creation = 1, .deterministic = true}};
  remote_watches watches;
  recording_router router{watches};
  const pid remote{intern_node("watches-peer"), 4, 42};
  const pid other_remote{intern_node("watches-peer"), 4, 43};
};

TEST_F(RemoteWatchesTest, ALinkToThePeerFiresNoconnectionWhenThePeerIsLost) {
  scoped_actor a(sys);
  a->trap_exit(true);
  a->link(remote);
  EXPECT_EQ(watches.size(), 1u);
  lose_peer();
  auto exit = a->receive<exit_msg>(0s);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->from, remote);
  EXPECT_EQ(exit->reason, exit_reason::noconnection());
  EXPECT_EQ(watches.size(), 0u) << "fired once, then forgotten";
}

TEST_F(RemoteWatchesTest, ALinkedProcessThatDoesNotTrapExitsEndsWithNoconnection) {
  scoped_actor a(sys);
  a->link(remote);
  lose_peer();
  EXPECT_FALSE(a->receive_any(0s));
  ASSERT_TRUE(a->exited());
  EXPECT_EQ(*a->exited(), exit_reason::noconnection());
}

TEST_F(RemoteWatchesTest, AMonitorOfAPeerProcessFiresDownNoconnection) {
  scoped_actor a(sys);
  auto ref = a->monitor(remote);
  EXPECT_EQ(watches.size(), 1u);
  lose_peer();
  auto down = a->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->ref, ref);
  EXPECT_EQ(down->who, remote);
  EXPECT_EQ(down->reason, exit_reason::noconnection());
}

TEST_F(RemoteWatchesTest, UnlinkAndDemonitorForgetTheWatch) {
  scoped_actor a(sys);
  a->trap_exit(true);
  a->link(remote);
  auto ref = a->monitor(other_remote);
  ASSERT_EQ(watches.size(), 2u);
  a->unlink(remote);
  a->demonitor(ref);
  EXPECT_EQ(watches.size(), 0u);
  lose_peer();
  EXPECT_FALSE(a->receive_any(0s));
}

TEST_F(RemoteWatchesTest, ALinkMadeByThePeerIsRecordedAndFires) {
  scoped_actor a(sys);
  a->trap_exit(true);
  arrive(remote, a.self(), signals::link{});
  EXPECT_EQ(watches.size(), 1u);
  lose_peer();
  auto exit = a->receive<exit_msg>(0s);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->from, remote);
  EXPECT_EQ(exit->reason, exit_reason::noconnection());
}

TEST_F(RemoteWatchesTest, AnExitFromTheLinkedPeerProcessEndsTheLink) {
  scoped_actor a(sys);
  a->trap_exit(true);
  a->link(remote);
  arrive(remote, a.self(), signals::exit{exit_reason::error("boom"), true});
  auto exit = a->receive<exit_msg>(0s);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->reason, exit_reason::error("boom"));
  EXPECT_EQ(watches.size(), 0u);
  lose_peer();
  EXPECT_FALSE(a->receive_any(0s)) << "no second exit for a link already gone";
}

TEST_F(RemoteWatchesTest, ADownFromThePeerEndsTheMonitor) {
  scoped_actor a(sys);
  auto ref = a->monitor(remote);
  arrive(remote, a.self(), signals::down{ref, exit_reason::normal()});
  auto down = a->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->reason, exit_reason::normal());
  EXPECT_EQ(watches.size(), 0u);
  lose_peer();
  EXPECT_FALSE(a->receive_any(0s)) << "no second DOWN for a monitor already fired";
}

TEST_F(RemoteWatchesTest, APeerMonitorOnALocalProcessIsDroppedWhenThePeerIsLost) {
  scoped_actor target(sys);
  arrive(remote, target.self(), signals::monitor{7});
  EXPECT_EQ(watches.size(), 1u);
  lose_peer();
  EXPECT_EQ(watches.size(), 0u);
  EXPECT_FALSE(target->receive_any(0s));  // the demonitor is handled as the signal it is
  auto downs_before = sent_of(type_of<signals::down>());
  sys.exit(target.self(), exit_reason::error("gone"));
  EXPECT_FALSE(target->receive_any(0s));
  run();
  EXPECT_EQ(sent_of(type_of<signals::down>()), downs_before) << "nobody on the lost peer is told";
}

TEST_F(RemoteWatchesTest, TheDownALocalProcessSendsToItsPeerWatcherEndsThatWatch) {
  auto target = std::make_unique<scoped_actor>(sys);
  arrive(remote, target->self(), signals::monitor{7});
  ASSERT_EQ(watches.size(), 1u);
  target.reset();  // exits normally: the DOWN goes out to the peer's watcher
  run();
  EXPECT_EQ(sent_of(type_of<signals::down>()), 1u);
  EXPECT_EQ(watches.size(), 0u);
}

TEST_F(RemoteWatchesTest, AMonitorByNameOnThePeerFiresDownNoconnectionWithNoPid) {
  scoped_actor a(sys);
  auto ref = a->monitor("service", "watches-peer");
  EXPECT_EQ(watches.size(), 1u);
  lose_peer();
  auto down = a->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->ref, ref);
  EXPECT_TRUE(down->who.is_null());
  EXPECT_EQ(down->reason, exit_reason::noconnection());
}

TEST_F(RemoteWatchesTest, TheDownAnsweringAMonitorByNameEndsIt) {
  scoped_actor a(sys);
  auto ref = a->monitor("service", "watches-peer");
  arrive(pid{}, a.self(), signals::down{ref, exit_reason::noproc()});  // nobody held the name
  auto down = a->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->reason, exit_reason::noproc());
  EXPECT_EQ(watches.size(), 0u);
}

TEST_F(RemoteWatchesTest, ARemoteSpawnWithLinkAndMonitorIsRecordedFromItsReply) {
  scoped_actor a(sys);
  a->trap_exit(true);
  // The link and monitor were set up on the peer as part of the spawn; the reply says so.
  arrive(remote, a.self(), spawn_reply{other_remote, "", true, 99});
  EXPECT_EQ(watches.size(), 2u);
  lose_peer();
  EXPECT_EQ(watches.size(), 0u);
  auto down = a->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->ref, 99u);
  EXPECT_EQ(down->who, other_remote);
  auto exit = a->receive<exit_msg>(0s);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->from, other_remote);
  EXPECT_EQ(exit->reason, exit_reason::noconnection());
}

TEST_F(RemoteWatchesTest, OrdinaryMessagesAreNotWatches) {
  scoped_actor a(sys);
  a->send(remote, test::ping{1});
  arrive(remote, a.self(), test::pong{1});
  EXPECT_EQ(watches.size(), 0u);
  EXPECT_EQ(router.sent.size(), 1u);
}

}  // namespace remote_watches_test
}  // namespace troupe::transport
