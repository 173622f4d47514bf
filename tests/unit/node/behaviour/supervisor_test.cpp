#include "troupe/node/behaviour/supervisor.hpp"

#include <gtest/gtest.h>

#include <mutex>

#include "troupe/node/behaviour/start_link.hpp"
#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/journal.hpp"
#include "tests/support/test_messages.hpp"

namespace sup_test {
struct crash_now {
  MSGPACK_DEFINE();
};
struct quit {
  bool normal = true;
  MSGPACK_DEFINE(normal);
};
struct started_note {
  std::string id;
  troupe::pid who;
  MSGPACK_DEFINE(id, who);
};
}  // namespace sup_test

TROUPE_MESSAGE(sup_test::crash_now, "sup_test.crash_now");
TROUPE_MESSAGE(sup_test::quit, "sup_test.quit");
TROUPE_MESSAGE(sup_test::started_note, "sup_test.started_note");

namespace troupe {
namespace {

using namespace sup_test;
using namespace std::chrono_literals;
using test::journal;


struct worker_opts {
  bool fail_init = false;
  bool stubborn = false;  // ignores its supervisor's shutdown request
  pid notify;             // gets a started_note on every start
};

/// A worker that notes "start <id>" and "stop <id> <reason>"; it traps exits so that it runs
/// terminate when its supervisor stops it.
class worker : public gen_server {
 public:
  worker(journal* j, std::string id, worker_opts o = {}) : j_(j), id_(std::move(id)), o_(o) {}

 protected:
  init_result init() override {
    if (o_.fail_init) return init_result::stop(exit_reason::error("cannot start " + id_));
    trap_exit(true);
    j_->note("start " + id_);
    if (o_.notify) send(o_.notify, started_note{id_, self()});
    return init_result::ok();
  }
  behavior make_handlers() override {
    return {
        [](const crash_now&) -> void { throw std::runtime_error("crash"); },
        [this](const quit& q) { stop(q.normal ? exit_reason::normal() : exit_reason::error("quit")); },
    };
  }
  void on_parent_exit(const exit_reason& reason) override {
    if (!o_.stubborn) stop(reason);
  }
  void terminate(const exit_reason& reason) override { j_->note("stop " + id_ + " " + reason.to_string()); }

 private:
  journal* j_;
  std::string id_;
  worker_opts o_;
};

using lines = std::vector<std::string>;

/// A plain actor (not a gen_server): no init acknowledgement.
class plain_actor final : public actor {
 protected:
  behavior make_behavior() override {
    return {[](const test::crash& c) -> void { throw std::runtime_error(c.why); }};
  }
};

class SupervisorTest : public test::deterministic_fixture {
 protected:
  // The node stops before the journal its processes write to goes away.
  void TearDown() override { sys.shutdown(); }
  journal j;

  child_spec spec(const std::string& id, worker_opts o = {}) { return child_spec::worker<worker>(id, &j, id, o); }
  std::vector<child_spec> abc() { return {spec("a"), spec("b"), spec("c")}; }

  pid start_sup(supervisor_flags flags, std::vector<child_spec> children) {
    auto s = start<supervisor>(sys, flags, std::move(children));
    EXPECT_TRUE(s) << s.error().message();
    j.take();
    return s ? *s : pid{};
  }
  std::vector<child_info> children(const pid& sup) {
    auto c = supervisor::which_children(sys, sup);
    EXPECT_TRUE(c) << c.error().message();
    return c ? *c : std::vector<child_info>{};
  }
  pid child_pid(const pid& sup, const std::string& id) {
    for (auto& c : children(sup))
      if (c.id == id) return c.child;
    return {};
  }
  void crash(const pid& sup, const std::string& id) {
    sys.send(child_pid(sup, id), crash_now{});
    run();
  }
};

// --- start and stop order -------------------------------------------------------------------------

TEST_F(SupervisorTest, ChildrenStartInTheOrderOfTheirSpecs) {
  auto s = start<supervisor>(sys, supervisor_flags{}, abc());
  ASSERT_TRUE(s);
  EXPECT_EQ(j.take(), (lines{"start a", "start b", "start c"}));
  for (auto& c : children(*s)) EXPECT_TRUE(sys.alive(c.child)) << c.id;
}

TEST_F(SupervisorTest, ShuttingDownTheSupervisorStopsChildrenInReverseOrder) {
  scoped_actor probe(sys);
  pid s = start_sup({}, abc());
  probe->monitor(s);
  sys.exit(s, exit_reason::shutdown());
  run();
  EXPECT_EQ(j.take(), (lines{"stop c shutdown", "stop b shutdown", "stop a shutdown"}));
  auto down = probe->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->reason, exit_reason::shutdown());
  EXPECT_EQ(sys.process_count(), 1u) << "only the probe is left";
}

TEST_F(SupervisorTest, AChildThatFailsToStartFailsTheSupervisorAndStopsItsStartedSiblings) {
  worker_opts failing{.fail_init = true};
  auto before = sys.process_count();
  auto s = start<supervisor>(sys, supervisor_flags{}, std::vector<child_spec>{spec("a"), spec("b", failing), spec("c")});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), errc::init_failed);
  EXPECT_NE(s.error().message().find("failed_to_start_child b"), std::string::npos) << s.error().message();
  EXPECT_NE(s.error().message().find("cannot start b"), std::string::npos) << s.error().message();
  run();
  EXPECT_EQ(j.take(), (lines{"start a", "stop a shutdown"}));
  EXPECT_EQ(sys.process_count(), before);
}

TEST_F(SupervisorTest, DuplicateChildIdsFailTheStart) {
  auto s = start<supervisor>(sys, supervisor_flags{}, std::vector<child_spec>{spec("a"), spec("a")});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), errc::init_failed);
}

// --- strategies ----------------------------------------------------------------------------------

TEST_F(SupervisorTest, OneForOneRestartsOnlyTheFailedChild) {
  pid s = start_sup({.strategy = strategy::one_for_one}, abc());
  pid a = child_pid(s, "a"), b = child_pid(s, "b"), c = child_pid(s, "c");
  crash(s, "b");
  EXPECT_EQ(j.take(), (lines{"stop b error: crash", "start b"}));
  EXPECT_EQ(child_pid(s, "a"), a);
  EXPECT_NE(child_pid(s, "b"), b);
  EXPECT_TRUE(sys.alive(child_pid(s, "b")));
  EXPECT_EQ(child_pid(s, "c"), c);
}

TEST_F(SupervisorTest, OneForAllRestartsEveryChildAfterStoppingTheOthersInReverseOrder) {
  pid s = start_sup({.strategy = strategy::one_for_all}, abc());
  pid a = child_pid(s, "a"), c = child_pid(s, "c");
  crash(s, "b");
  EXPECT_EQ(j.take(), (lines{"stop b error: crash", "stop c shutdown", "stop a shutdown", "start a", "start b", "start c"}));
  EXPECT_NE(child_pid(s, "a"), a);
  EXPECT_NE(child_pid(s, "c"), c);
  for (auto& ch : children(s)) EXPECT_TRUE(sys.alive(ch.child)) << ch.id;
}

TEST_F(SupervisorTest, RestForOneRestartsTheFailedChildAndLaterSiblings) {
  pid s = start_sup({.strategy = strategy::rest_for_one}, abc());
  pid a = child_pid(s, "a"), c = child_pid(s, "c");
  crash(s, "b");
  EXPECT_EQ(j.take(), (lines{"stop b error: crash", "stop c shutdown", "start b", "start c"}));
  EXPECT_EQ(child_pid(s, "a"), a);
  EXPECT_NE(child_pid(s, "c"), c);
}

// --- restart types -------------------------------------------------------------------------------

TEST_F(SupervisorTest, APermanentChildIsRestartedEvenAfterANormalExit) {
  pid s = start_sup({}, {spec("a")});
  sys.send(child_pid(s, "a"), quit{true});
  run();
  EXPECT_EQ(j.take(), (lines{"stop a normal", "start a"}));
}

TEST_F(SupervisorTest, ATransientChildIsRestartedOnlyAfterAnAbnormalExit) {
  pid s = start_sup({}, {spec("t").with_restart(restart_type::transient)});
  sys.send(child_pid(s, "t"), quit{false});
  run();
  EXPECT_EQ(j.take(), (lines{"stop t error: quit", "start t"}));
  sys.send(child_pid(s, "t"), quit{true});
  run();
  EXPECT_EQ(j.take(), (lines{"stop t normal"}));
  auto c = children(s);
  ASSERT_EQ(c.size(), 1u) << "the spec is kept";
  EXPECT_FALSE(c[0].child);
}

TEST_F(SupervisorTest, ATemporaryChildIsNeverRestartedAndItsSpecIsDropped) {
  pid s = start_sup({}, {spec("a"), spec("tmp").with_restart(restart_type::temporary)});
  crash(s, "tmp");
  EXPECT_EQ(j.take(), (lines{"stop tmp error: crash"}));
  auto c = children(s);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].id, "a");
}

TEST_F(SupervisorTest, ATemporarySiblingStoppedByOneForAllIsNotStartedAgain) {
  pid s = start_sup({.strategy = strategy::one_for_all}, {spec("a"), spec("tmp").with_restart(restart_type::temporary)});
  crash(s, "a");
  EXPECT_EQ(j.take(), (lines{"stop a error: crash", "stop tmp shutdown", "start a"}));
  EXPECT_EQ(children(s).size(), 1u);
}

// --- intensity -----------------------------------------------------------------------------------

TEST_F(SupervisorTest, MoreRestartsThanTheIntensityAllowsStopTheSupervisor) {
  scoped_actor probe(sys);
  pid s = start_sup({.max_restarts = 3, .max_time = 5s}, {spec("a"), spec("b")});
  probe->monitor(s);
  for (int i = 0; i < 3; ++i) crash(s, "b");
  EXPECT_TRUE(sys.alive(s)) << "three restarts in 5 s are allowed";
  j.take();
  crash(s, "b");
  EXPECT_EQ(j.take(), (lines{"stop b error: crash", "stop a shutdown"}));
  auto down = probe->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->reason, exit_reason::shutdown(reached_max_restart_intensity));
  EXPECT_EQ(sys.process_count(), 1u);
}

TEST_F(SupervisorTest, RestartsSpreadOverMoreThanThePeriodAreAllowed) {
  pid s = start_sup({.max_restarts = 1, .max_time = 5s}, {spec("a")});
  for (int i = 0; i < 4; ++i) {
    crash(s, "a");
    advance(6s);
  }
  EXPECT_TRUE(sys.alive(s));
  EXPECT_TRUE(sys.alive(child_pid(s, "a")));
}

TEST_F(SupervisorTest, ZeroMaxRestartsGivesUpOnTheFirstFailure) {
  scoped_actor probe(sys);
  pid s = start_sup({.max_restarts = 0}, {spec("a")});
  probe->monitor(s);
  crash(s, "a");
  EXPECT_TRUE(probe->receive<down_msg>(0s));
}

// --- shutdown policies ---------------------------------------------------------------------------

TEST_F(SupervisorTest, AChildThatIgnoresShutdownIsKilledWhenItsTimeoutRunsOut) {
  scoped_actor probe(sys);
  pid s = start_sup({}, {spec("slow", {.stubborn = true}).with_shutdown(shutdown_policy::timeout(2s))});
  pid slow = child_pid(s, "slow");
  probe->monitor(slow);
  sys.exit(s, exit_reason::shutdown());
  run();
  EXPECT_TRUE(sys.alive(slow)) << "the supervisor waits, without blocking, for the timeout";
  EXPECT_TRUE(sys.alive(s));
  advance(1999ms);
  EXPECT_TRUE(sys.alive(slow));
  advance(1ms);
  auto down = probe->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->reason, exit_reason::killed());
  EXPECT_FALSE(sys.alive(s));
  EXPECT_TRUE(j.take().empty()) << "a killed child runs no terminate";
}

TEST_F(SupervisorTest, BrutalKillStopsTheChildAtOnceWithoutTerminate) {
  pid s = start_sup({}, {spec("a").with_shutdown(shutdown_policy::brutal_kill())});
  pid a = child_pid(s, "a");
  ASSERT_TRUE(supervisor::terminate_child(sys, s, "a"));
  EXPECT_FALSE(sys.alive(a));
  EXPECT_TRUE(j.take().empty());
}

TEST_F(SupervisorTest, InfinityWaitsForTheChildHoweverLongItTakes) {
  pid s = start_sup({}, {spec("slow", {.stubborn = true}).with_shutdown(shutdown_policy::infinity())});
  sys.exit(s, exit_reason::shutdown());
  advance(1h);
  EXPECT_TRUE(sys.alive(s));
  sys.send(child_pid(s, "slow"), quit{true});
  run();
  EXPECT_FALSE(sys.alive(s));
}

// --- control API ---------------------------------------------------------------------------------

TEST_F(SupervisorTest, WhichChildrenListsEveryChildInStartOrder) {
  pid s = start_sup({}, abc());
  auto c = children(s);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].id, "a");
  EXPECT_EQ(c[2].id, "c");
  EXPECT_EQ(c[1].type, child_type::worker);
}

TEST_F(SupervisorTest, CountChildrenCountsSpecsActiveWorkersAndSupervisors) {
  pid s = start_sup({}, {spec("a"), child_spec::supervisor_of<supervisor>("inner", supervisor_flags{}, std::vector<child_spec>{spec("x")})});
  ASSERT_TRUE(supervisor::terminate_child(sys, s, "a"));
  auto n = supervisor::count_children(sys, s);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->specs, 2u);
  EXPECT_EQ(n->active, 1u);
  EXPECT_EQ(n->workers, 1u);
  EXPECT_EQ(n->supervisors, 1u);
}

TEST_F(SupervisorTest, TerminateChildStopsTheChildAndKeepsItsSpec) {
  pid s = start_sup({}, abc());
  pid b = child_pid(s, "b");
  ASSERT_TRUE(supervisor::terminate_child(sys, s, "b"));
  EXPECT_EQ(j.take(), (lines{"stop b shutdown"}));
  EXPECT_FALSE(sys.alive(b));
  EXPECT_EQ(children(s).size(), 3u);
  EXPECT_FALSE(child_pid(s, "b"));
  auto missing = supervisor::terminate_child(sys, s, "zzz");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), errc::not_found);
}

TEST_F(SupervisorTest, RestartChildStartsATerminatedChildAndRefusesARunningOne) {
  pid s = start_sup({}, abc());
  auto running = supervisor::restart_child(sys, s, "b");
  ASSERT_FALSE(running);
  EXPECT_EQ(running.error().code(), errc::invalid_argument);
  ASSERT_TRUE(supervisor::terminate_child(sys, s, "b"));
  auto p = supervisor::restart_child(sys, s, "b");
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_TRUE(sys.alive(*p));
  EXPECT_EQ(child_pid(s, "b"), *p);
}

TEST_F(SupervisorTest, DeleteChildRemovesAStoppedSpecOnly) {
  pid s = start_sup({}, abc());
  auto running = supervisor::delete_child(sys, s, "b");
  ASSERT_FALSE(running);
  EXPECT_EQ(running.error().code(), errc::invalid_argument);
  ASSERT_TRUE(supervisor::terminate_child(sys, s, "b"));
  ASSERT_TRUE(supervisor::delete_child(sys, s, "b"));
  auto c = children(s);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[1].id, "c");
}

TEST_F(SupervisorTest, StartChildAddsAChildAfterTheOthers) {
  pid s = start_sup({}, {spec("a")});
  auto p = supervisor::start_child(sys, s, spec("z"));
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_TRUE(sys.alive(*p));
  auto c = children(s);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[1].id, "z");
  auto again = supervisor::start_child(sys, s, spec("z"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), errc::invalid_argument);
}

TEST_F(SupervisorTest, StartChildReportsTheChildsInitFailureAndKeepsNoSpec) {
  pid s = start_sup({}, {spec("a")});
  auto p = supervisor::start_child(sys, s, spec("bad", {.fail_init = true}));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), errc::init_failed);
  EXPECT_NE(p.error().message().find("cannot start bad"), std::string::npos);
  EXPECT_EQ(children(s).size(), 1u);
  EXPECT_TRUE(sys.alive(s));
}

TEST_F(SupervisorTest, APlainActorChildIsSupervisedToo) {
  pid s = start_sup({}, {child_spec::actor_of<plain_actor>("plain")});
  pid p = child_pid(s, "plain");
  ASSERT_TRUE(sys.alive(p));
  sys.send(p, test::crash{"bad"});
  run();
  EXPECT_NE(child_pid(s, "plain"), p);
  EXPECT_TRUE(sys.alive(child_pid(s, "plain")));
}

TEST_F(SupervisorTest, TheControlApiWorksFromInsideAnActorWithoutBlocking) {
  pid s = start_sup({}, abc());
  std::vector<std::string> seen;
  sys.spawn([&, s](actor& self) -> behavior {
    supervisor::which_children(self, s, 1s, [&](const result<std::vector<child_info>>& r) {
      if (!r) return seen.push_back(r.error().message());
      for (const auto& c : *r) seen.push_back(c.id);
    });
    supervisor::terminate_child(self, s, "a", 1s, [&](result<void> r) { seen.push_back(r ? "terminated" : "failed"); });
    return {};
  });
  run();
  EXPECT_EQ(seen, (lines{"a", "b", "c", "terminated"}));
}

// --- nested trees --------------------------------------------------------------------------------

TEST_F(SupervisorTest, ANestedSupervisorThatGivesUpIsRestartedByItsParent) {
  auto inner = child_spec::supervisor_of<supervisor>("inner", supervisor_flags{.max_restarts = 0}, std::vector<child_spec>{spec("x")});
  pid top = start_sup({}, {spec("a"), std::move(inner)});
  pid in = child_pid(top, "inner");
  pid x = child_pid(in, "x");
  sys.send(x, crash_now{});
  run();
  EXPECT_EQ(j.take(), (lines{"stop x error: crash", "start x"}));
  pid in2 = child_pid(top, "inner");
  EXPECT_NE(in2, in);
  EXPECT_TRUE(sys.alive(child_pid(in2, "x")));
  EXPECT_TRUE(sys.alive(top));
}

TEST_F(SupervisorTest, ShuttingDownATreeStopsEveryLevelDepthFirstInReverse) {
  auto inner = child_spec::supervisor_of<supervisor>("inner", supervisor_flags{}, std::vector<child_spec>{spec("x"), spec("y")});
  pid top = start_sup({}, {spec("a"), std::move(inner), spec("b")});
  sys.exit(top, exit_reason::shutdown());
  run();
  EXPECT_EQ(j.take(), (lines{"stop b shutdown", "stop y shutdown", "stop x shutdown", "stop a shutdown"}));
  EXPECT_EQ(sys.process_count(), 0u);
}

// --- real threads --------------------------------------------------------------------------------

TEST(SupervisorThreadedTest, ACrashedChildIsReplacedOnASchedulerPool) {
  journal j;
  actor_system sys(actor_system_config{.node_name = "sup", .threads = 2});
  scoped_actor probe(sys);
  auto s = start<supervisor>(sys, supervisor_flags{},
                             std::vector<child_spec>{child_spec::worker<worker>("a", &j, std::string("a"), worker_opts{.notify = probe.self()})});
  ASSERT_TRUE(s);
  auto first = probe->receive<started_note>(5s);
  ASSERT_TRUE(first);
  sys.send(first->who, crash_now{});
  auto second = probe->receive<started_note>(5s);
  ASSERT_TRUE(second);
  EXPECT_NE(second->who, first->who);
  auto c = supervisor::which_children(sys, *s, 5s);
  ASSERT_TRUE(c);
  EXPECT_EQ((*c)[0].child, second->who);
}

// --- get_childspec ------------------------------------------------------------------------------

TEST_F(SupervisorTest, GetChildspecGivesTheSpecOfAChildById) {
  // OTP supervisor:get_childspec/2: "Returns the child specification map for the child
  // identified by Id under supervisor SupRef."
  pid s = start_sup({}, {spec("a"), spec("b").with_restart(restart_type::transient)});
  auto b = supervisor::get_childspec(sys, s, "b");
  ASSERT_TRUE(b) << b.error().message();
  EXPECT_EQ(b->id, "b");
  EXPECT_EQ(b->restart, restart_type::transient);
  EXPECT_TRUE(static_cast<bool>(b->start)) << "the copy can start the child again";
}

TEST_F(SupervisorTest, GetChildspecOfAnUnknownIdGivesNotFound) {
  // OTP: {error, not_found}.
  pid s = start_sup({}, abc());
  auto r = supervisor::get_childspec(sys, s, "zz");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::not_found);
}

}  // namespace
}  // namespace troupe
