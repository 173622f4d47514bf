#include <gtest/gtest.h>

#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using test::crash;
using test::forward_to;
using test::ping;
using namespace std::chrono_literals;

class LinkTest : public test::deterministic_fixture {};

/// Links to whatever forward_to names; dies on crash; records trapped exits.
class linker final : public actor {
 public:
  explicit linker(bool trap = false, std::vector<exit_msg>* trapped = nullptr) : trap_(trap), trapped_(trapped) {}

 protected:
  behavior make_behavior() override {
    trap_exit(trap_);
    return {
        [this](const forward_to& f) { link(f.target); },
        [](const crash& c) -> void { throw std::runtime_error(c.why); },
        [this](const exit_msg& m) {
          if (trapped_) trapped_->push_back(m);
        },
        [](const ping&) {},
    };
  }

 private:
  bool trap_;
  std::vector<exit_msg>* trapped_;
};

TEST_F(LinkTest, AnAbnormalExitKillsTheLinkedProcess) {
  pid a = sys.spawn<linker>();
  pid b = sys.spawn<linker>();
  sys.send(a, forward_to{b});
  run();
  sys.send(b, crash{"bad"});
  run();
  EXPECT_FALSE(sys.alive(a));
  EXPECT_FALSE(sys.alive(b));
}

TEST_F(LinkTest, TheLinkedProcessDiesWithTheSameReason) {
  scoped_actor probe(sys);
  pid a = sys.spawn<linker>();
  pid b = sys.spawn<linker>();
  probe->monitor(a);
  sys.send(a, forward_to{b});
  run();
  sys.send(b, crash{"bad"});
  run();
  auto down = probe->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->reason, exit_reason::error("bad"));
}

TEST_F(LinkTest, ANormalExitDoesNotKillTheLinkedProcess) {
  pid c = sys.spawn<linker>();
  pid d = sys.spawn([](actor& self) -> behavior { return {[&self](const ping&) { self.stop(); }}; });
  sys.send(c, forward_to{d});
  run();
  sys.send(d, ping{});
  run();
  EXPECT_FALSE(sys.alive(d));
  EXPECT_TRUE(sys.alive(c));
  EXPECT_TRUE(sys.info(c)->links.empty());
}

TEST_F(LinkTest, TrapExitTurnsTheExitSignalIntoAMessage) {
  std::vector<exit_msg> trapped;
  pid a = sys.spawn<linker>(true, &trapped);
  pid b = sys.spawn<linker>();
  sys.send(a, forward_to{b});
  run();
  sys.send(b, crash{"bad"});
  run();
  EXPECT_TRUE(sys.alive(a));
  ASSERT_EQ(trapped.size(), 1u);
  EXPECT_EQ(trapped[0].from, b);
  EXPECT_EQ(trapped[0].reason, exit_reason::error("bad"));
}

TEST_F(LinkTest, LinkingToADeadPidGivesNoproc) {
  std::vector<exit_msg> trapped;
  pid a = sys.spawn<linker>(true, &trapped);
  pid gone = sys.spawn<linker>();
  sys.exit(gone, exit_reason::kill());
  run();
  sys.send(a, forward_to{gone});
  run();
  ASSERT_EQ(trapped.size(), 1u);
  EXPECT_EQ(trapped[0].from, gone);
  EXPECT_EQ(trapped[0].reason, exit_reason::noproc());
}

TEST_F(LinkTest, LinkingToADeadPidKillsAProcessThatDoesNotTrapExits) {
  pid a = sys.spawn<linker>();
  pid gone = sys.spawn<linker>();
  sys.exit(gone, exit_reason::kill());
  run();
  sys.send(a, forward_to{gone});
  run();
  EXPECT_FALSE(sys.alive(a));
}

TEST_F(LinkTest, KillCannotBeTrappedAndLinkedProcessesSeeKilled) {
  std::vector<exit_msg> trapped;
  pid watcher = sys.spawn<linker>(true, &trapped);
  pid victim = sys.spawn<linker>(true);
  sys.send(watcher, forward_to{victim});
  run();
  sys.exit(victim, exit_reason::kill());
  run();
  EXPECT_FALSE(sys.alive(victim));
  ASSERT_EQ(trapped.size(), 1u);
  EXPECT_EQ(trapped[0].reason, exit_reason::killed());
}

/// Ends itself with reason `kill` when pinged (Erlang exit(kill) from inside the process).
class self_killer final : public actor {
 protected:
  behavior make_behavior() override {
    return {[this](const ping&) { stop(exit_reason::kill()); }};
  }
};

// Regression: a process's own exit reason `kill` reached links and monitors as `killed`.
TEST_F(LinkTest, AProcessThatExitsWithReasonKillSendsAnOrdinaryKillSignal) {
  // OTP: only exit(Pid, kill) is untrappable and becomes killed; a process exiting with reason
  // kill itself sends an ordinary exit signal: a trapping linked process gets {'EXIT', Pid, kill}.
  std::vector<exit_msg> trapped;
  pid watcher = sys.spawn<linker>(true, &trapped);
  pid victim = sys.spawn<self_killer>();
  scoped_actor probe(sys);
  ref_id mon = probe->monitor(victim);
  sys.send(watcher, forward_to{victim});
  run();
  sys.send(victim, ping{});
  run();
  EXPECT_FALSE(sys.alive(victim));
  EXPECT_TRUE(sys.alive(watcher)) << "a trapped kill signal from a link is an ordinary message";
  ASSERT_EQ(trapped.size(), 1u);
  EXPECT_EQ(trapped[0].reason, exit_reason::kill());
  auto down = probe->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->ref, mon);
  EXPECT_EQ(down->reason, exit_reason::kill()) << "a monitor reports the reason as it is";
}

TEST_F(LinkTest, AKillSignalFromALinkEndsANonTrappingProcessWithReasonKill) {
  // OTP: the linked signal with reason kill is not untrappable; a process that does not trap
  // exits dies with that reason, kill, and passes it on unchanged.
  pid a = sys.spawn<linker>();
  pid victim = sys.spawn<self_killer>();
  scoped_actor probe(sys);
  probe->monitor(a);
  sys.send(a, forward_to{victim});
  run();
  sys.send(victim, ping{});
  run();
  auto down = probe->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->reason, exit_reason::kill());
}

TEST_F(LinkTest, ShutdownIsTrappableButKillIsNot) {
  std::vector<exit_msg> trapped;
  pid p = sys.spawn<linker>(true, &trapped);
  run();
  sys.exit(p, exit_reason::shutdown());
  run();
  EXPECT_TRUE(sys.alive(p));
  ASSERT_EQ(trapped.size(), 1u);
  EXPECT_EQ(trapped[0].reason, exit_reason::shutdown());
  sys.exit(p, exit_reason::kill());
  run();
  EXPECT_FALSE(sys.alive(p));
}

TEST_F(LinkTest, ShutdownKillsAProcessThatDoesNotTrapExits) {
  scoped_actor probe(sys);
  pid p = sys.spawn<linker>();
  probe->monitor(p);
  sys.exit(p, exit_reason::shutdown());
  run();
  auto down = probe->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->reason, exit_reason::shutdown());
}

TEST_F(LinkTest, ExitSignalsActBeforeMessagesAlreadyQueued) {
  int handled = 0;
  pid p = sys.spawn([&handled](actor&) -> behavior { return {[&handled](const ping&) { ++handled; }}; });
  run();
  for (int i = 0; i < 10; ++i) sys.send(p, ping{});
  sys.exit(p, exit_reason::shutdown());
  run();
  EXPECT_EQ(handled, 0);
  EXPECT_FALSE(sys.alive(p));
  EXPECT_EQ(sys.counters().dropped_on_exit.load(), 10u);
}

TEST_F(LinkTest, UnlinkStopsPropagation) {
  pid a = sys.spawn([](actor& self) -> behavior {
    return {[&self](const forward_to& f) {
      self.link(f.target);
      self.unlink(f.target);
    }};
  });
  pid b = sys.spawn<linker>();
  sys.send(a, forward_to{b});
  run();
  sys.send(b, crash{"bad"});
  run();
  EXPECT_TRUE(sys.alive(a));
}

TEST_F(LinkTest, SpawnLinkLinksBeforeTheChildRuns) {
  std::vector<exit_msg> trapped;
  struct parent final : actor {
    std::vector<exit_msg>* out;
    explicit parent(std::vector<exit_msg>* o) : out(o) {}
    behavior make_behavior() override {
      trap_exit(true);
      return {[this](const ping&) {
                struct dies_at_once final : actor {
                  void on_start() override { stop(exit_reason::error("at once")); }
                };
                spawn_link<dies_at_once>();
              },
              [this](const exit_msg& m) { out->push_back(m); }};
    }
  };
  pid p = sys.spawn<parent>(&trapped);
  sys.send(p, ping{});
  run();
  ASSERT_EQ(trapped.size(), 1u);
  EXPECT_EQ(trapped[0].reason, exit_reason::error("at once"));
}

TEST_F(LinkTest, ExitNormalFromAnotherProcessIsIgnoredUnlessTrapped) {
  pid p = sys.spawn<linker>();
  run();
  sys.exit(p, exit_reason::normal());
  run();
  EXPECT_TRUE(sys.alive(p));
}

}  // namespace
}  // namespace troupe
