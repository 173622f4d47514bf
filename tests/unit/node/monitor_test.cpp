#include <gtest/gtest.h>

#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using test::crash;
using test::ping;
using namespace std::chrono_literals;

class MonitorTest : public test::deterministic_fixture {};

pid spawn_crasher(actor_system& sys) {
  return sys.spawn([](actor&) -> behavior { return {[](const crash& c) -> void { throw std::runtime_error(c.why); }}; });
}

TEST_F(MonitorTest, DownCarriesTheExitReason) {
  scoped_actor probe(sys);
  pid p = spawn_crasher(sys);
  ref_id ref = probe->monitor(p);
  run();
  sys.send(p, crash{"oops"});
  run();
  auto down = probe->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->ref, ref);
  EXPECT_EQ(down->who, p);
  EXPECT_EQ(down->reason, exit_reason::error("oops"));
}

TEST_F(MonitorTest, MonitoringADeadPidGivesDownNoprocAtOnce) {
  scoped_actor probe(sys);
  pid p = spawn_crasher(sys);
  sys.exit(p, exit_reason::kill());
  run();
  ref_id ref = probe->monitor(p);
  auto down = probe->receive<down_msg>(0s);  // no scheduler step needed
  ASSERT_TRUE(down);
  EXPECT_EQ(down->ref, ref);
  EXPECT_EQ(down->reason, exit_reason::noproc());
}

TEST_F(MonitorTest, DemonitorMeansNoDownEvenIfAlreadyQueued) {
  scoped_actor probe(sys);
  pid p = spawn_crasher(sys);
  ref_id ref = probe->monitor(p);
  run();
  sys.send(p, crash{"x"});
  run();  // the DOWN signal now sits in the probe's mailbox
  EXPECT_TRUE(probe->demonitor(ref));
  EXPECT_FALSE(probe->receive<down_msg>(0s));
}

TEST_F(MonitorTest, DemonitorFlushesADownAlreadyReceived) {
  // A process that drained the DOWN into its queue, then demonitors in a later handler.
  int downs = 0;
  struct m final : actor {
    int* downs;
    pid target;
    ref_id ref = 0;
    m(int* d, pid t) : downs(d), target(t) {}
    behavior make_behavior() override {
      ref = monitor(target);
      return {[this](const ping&) { demonitor(ref); }, [this](const down_msg&) { ++*downs; }};
    }
  };
  pid victim = spawn_crasher(sys);
  pid watcher = sys.spawn<m>(&downs, victim);
  run();
  sys.send(watcher, ping{});   // queued first
  sys.send(victim, crash{"x"});
  run();
  EXPECT_EQ(downs, 0);
}

TEST_F(MonitorTest, EachMonitorFiresOnceWithItsOwnRef) {
  scoped_actor probe(sys);
  pid p = spawn_crasher(sys);
  ref_id r1 = probe->monitor(p);
  ref_id r2 = probe->monitor(p);
  EXPECT_NE(r1, r2);
  sys.exit(p, exit_reason::shutdown());
  run();
  auto d1 = probe->receive<down_msg>(0s);
  auto d2 = probe->receive<down_msg>(0s);
  ASSERT_TRUE(d1 && d2);
  EXPECT_EQ(d1->ref + d2->ref, r1 + r2);
  EXPECT_FALSE(probe->receive<down_msg>(0s));
}

TEST_F(MonitorTest, AMonitorDoesNotKillTheWatcher) {
  scoped_actor probe(sys);
  int downs = 0;
  pid victim = spawn_crasher(sys);
  pid watcher = sys.spawn([&downs, victim](actor& self) -> behavior {
    self.monitor(victim);
    return {[&downs](const down_msg&) { ++downs; }};
  });
  run();
  sys.send(victim, crash{"x"});
  run();
  EXPECT_EQ(downs, 1);
  EXPECT_TRUE(sys.alive(watcher));
}

TEST_F(MonitorTest, SpawnMonitorWatchesFromTheStart) {
  std::vector<down_msg> downs;
  struct parent final : actor {
    std::vector<down_msg>* out;
    explicit parent(std::vector<down_msg>* o) : out(o) {}
    behavior make_behavior() override {
      return {[this](const ping&) {
                struct quits final : actor {
                  void on_start() override { stop(exit_reason::shutdown()); }
                };
                spawn_monitor<quits>();
              },
              [this](const down_msg& d) { out->push_back(d); }};
    }
  };
  pid p = sys.spawn<parent>(&downs);
  sys.send(p, ping{});
  run();
  ASSERT_EQ(downs.size(), 1u);
  EXPECT_EQ(downs[0].reason, exit_reason::shutdown());
}

TEST_F(MonitorTest, ProcessInfoListsMonitorsBothWays) {
  scoped_actor probe(sys);
  pid p = spawn_crasher(sys);
  probe->monitor(p);
  run();
  auto info = sys.info(p);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->monitored_by, std::vector<pid>{probe.self()});
  EXPECT_EQ(sys.info(probe.self())->monitors, std::vector<pid>{p});
}

TEST_F(MonitorTest, MonitoringARegisteredNameWatchesTheProcessHoldingIt) {
  // Erlang monitor(process, RegName): the monitor is set on the process registered under that
  // name when monitor is called; its DOWN arrives when that process exits.
  scoped_actor probe(sys);
  pid p = sys.spawn([](actor&) -> behavior { return {[](const ping&) {}}; });
  ASSERT_TRUE(sys.register_name("db", p));
  run();
  ref_id ref = probe->monitor("db");
  run();
  sys.exit(p, exit_reason::shutdown());
  run();
  auto down = probe->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->ref, ref);
  EXPECT_EQ(down->who, p);
  EXPECT_EQ(down->reason, exit_reason::shutdown());
}

TEST_F(MonitorTest, MonitoringANameNobodyHoldsGivesDownNoprocAtOnce) {
  // Erlang: "If the process is not registered, a 'DOWN' message is sent immediately with
  // reason noproc".
  scoped_actor probe(sys);
  ref_id ref = probe->monitor("nobody");
  auto down = probe->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->ref, ref);
  EXPECT_TRUE(down->who.is_null());
  EXPECT_EQ(down->reason, exit_reason::noproc());
}

TEST_F(MonitorTest, DemonitoringANameMonitorBeforeItsNoprocArrivesDropsIt) {
  // demonitor(Ref, [flush]) removes a name monitor like any other: no DOWN afterwards.
  scoped_actor probe(sys);
  ref_id ref = probe->monitor("nobody");
  probe->demonitor(ref);
  EXPECT_FALSE(probe->receive<down_msg>(0s));
}

}  // namespace
}  // namespace troupe
