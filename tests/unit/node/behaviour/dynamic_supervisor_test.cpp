#include "troupe/node/behaviour/dynamic_supervisor.hpp"

#include <gtest/gtest.h>

#include "troupe/node/behaviour/start_link.hpp"
#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using namespace std::chrono_literals;

/// A session worker: crashes on `crash`, stops normally on `ping`; notes its terminate.
class session : public gen_server {
 public:
  session(std::vector<std::string>* log, std::string name) : log_(log), name_(std::move(name)) {}

 protected:
  init_result init() override {
    trap_exit(true);
    log_->push_back("start " + name_);
    return init_result::ok();
  }
  behavior make_handlers() override {
    return {
        [](const test::crash& c) -> void { throw std::runtime_error(c.why); },
        [this](const test::ping&) { stop(); },
    };
  }
  void terminate(const exit_reason& r) override { log_->push_back("stop " + name_ + " " + r.to_string()); }

 private:
  std::vector<std::string>* log_;
  std::string name_;
};

class DynamicSupervisorTest : public test::deterministic_fixture {
 protected:
  void TearDown() override { sys.shutdown(); }
  std::vector<std::string> log;

  pid start_sup(dynamic_supervisor_flags flags = {}) {
    auto s = start<dynamic_supervisor>(sys, flags);
    EXPECT_TRUE(s);
    return s ? *s : pid{};
  }
  child_spec session_spec(const std::string& name, restart_type r = restart_type::permanent) {
    return child_spec::worker<session>("", &log, name).with_restart(r);
  }
  pid start_session(const pid& sup, const std::string& name, restart_type r = restart_type::permanent) {
    auto p = dynamic_supervisor::start_child(sys, sup, session_spec(name, r));
    EXPECT_TRUE(p) << p.error().message();
    return p ? *p : pid{};
  }
  std::size_t active(const pid& sup) { return dynamic_supervisor::count_children(sys, sup)->active; }
  pid spawn_idle() { return sys.spawn([](actor&) -> behavior { return {[](const test::ping&) {}}; }); }
};

TEST_F(DynamicSupervisorTest, ItStartsWithNoChildren) {
  pid s = start_sup();
  auto c = dynamic_supervisor::which_children(sys, s);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->empty());
}

TEST_F(DynamicSupervisorTest, StartChildStartsAChildOnDemand) {
  pid s = start_sup();
  pid a = start_session(s, "a");
  EXPECT_TRUE(sys.alive(a));
  auto c = dynamic_supervisor::which_children(sys, s);
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].child, a);
  EXPECT_TRUE((*c)[0].id.empty()) << "dynamic children have no id";
}

TEST_F(DynamicSupervisorTest, MaxChildrenRefusesStartsPastTheLimit) {
  pid s = start_sup({.max_children = 2});
  start_session(s, "a");
  start_session(s, "b");
  auto third = dynamic_supervisor::start_child(sys, s, session_spec("c"));
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code(), errc::overloaded);
  EXPECT_EQ(active(s), 2u);
}

/// A worker whose init returns ignore.
class shy : public gen_server {
 protected:
  init_result init() override { return init_result::ignore(); }
};

// Regression: an ignored child kept an empty slot, so with max_children = 1 every later
// start_child failed with overloaded.
TEST_F(DynamicSupervisorTest, AnIgnoredChildIsNotKeptAndHoldsNoSlot) {
  // Elixir DynamicSupervisor.start_child/2: "If the child process start function returns
  // :ignore, then :ignore is returned and the child is not added to the supervision tree".
  pid s = start_sup({.max_children = 1});
  auto ignored = dynamic_supervisor::start_child(sys, s, child_spec::worker<shy>(""));
  ASSERT_TRUE(ignored) << ignored.error().message();
  EXPECT_TRUE(ignored->is_null());
  auto n = dynamic_supervisor::count_children(sys, s);
  EXPECT_EQ(n->specs, 0u);
  EXPECT_EQ(n->active, 0u);
  EXPECT_TRUE(dynamic_supervisor::which_children(sys, s)->empty());
  pid a = start_session(s, "a");
  EXPECT_TRUE(sys.alive(a)) << "the ignored start took no slot against max_children";
}

TEST_F(DynamicSupervisorTest, TerminateChildStopsTheChildAndForgetsIt) {
  pid s = start_sup();
  pid a = start_session(s, "a");
  pid b = start_session(s, "b");
  ASSERT_TRUE(dynamic_supervisor::terminate_child(sys, s, a));
  EXPECT_FALSE(sys.alive(a));
  EXPECT_TRUE(sys.alive(b));
  auto n = dynamic_supervisor::count_children(sys, s);
  EXPECT_EQ(n->specs, 1u);
  EXPECT_EQ(n->active, 1u);
  auto again = dynamic_supervisor::terminate_child(sys, s, a);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), errc::not_found);
}

TEST_F(DynamicSupervisorTest, ACrashedPermanentChildIsRestartedAlone) {
  pid s = start_sup();
  pid a = start_session(s, "a");
  pid b = start_session(s, "b");
  log.clear();
  sys.send(a, test::crash{"bad"});
  run();
  EXPECT_EQ(log, (std::vector<std::string>{"stop a error: bad", "start a"}));
  EXPECT_TRUE(sys.alive(b));
  EXPECT_EQ(active(s), 2u);
}

TEST_F(DynamicSupervisorTest, ATemporaryChildIsForgottenWhenItExits) {
  pid s = start_sup();
  pid a = start_session(s, "a", restart_type::temporary);
  sys.send(a, test::crash{"bad"});
  run();
  EXPECT_EQ(dynamic_supervisor::count_children(sys, s)->specs, 0u);
}

TEST_F(DynamicSupervisorTest, ATransientChildThatStopsNormallyIsForgotten) {
  pid s = start_sup();
  pid a = start_session(s, "a", restart_type::transient);
  sys.send(a, test::ping{});
  run();
  EXPECT_EQ(dynamic_supervisor::count_children(sys, s)->specs, 0u);
}

TEST_F(DynamicSupervisorTest, TooManyRestartsStopTheSupervisorAndAllItsChildren) {
  scoped_actor probe(sys);
  pid s = start_sup({.max_restarts = 1, .max_time = 5s});
  probe->monitor(s);
  pid a = start_session(s, "a");
  start_session(s, "b");
  sys.send(a, test::crash{"1"});
  run();
  auto c = dynamic_supervisor::which_children(sys, s);
  sys.send((*c)[0].child, test::crash{"2"});
  run();
  auto down = probe->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->reason, exit_reason::shutdown(reached_max_restart_intensity));
  EXPECT_EQ(sys.process_count(), 1u);
}

TEST_F(DynamicSupervisorTest, ShutdownStopsChildrenNewestFirst) {
  pid s = start_sup();
  start_session(s, "a");
  start_session(s, "b");
  log.clear();
  sys.exit(s, exit_reason::shutdown());
  run();
  EXPECT_EQ(log, (std::vector<std::string>{"stop b shutdown", "stop a shutdown"}));
}

TEST_F(DynamicSupervisorTest, AnActorCanStartAndTerminateChildrenWithoutBlocking) {
  pid s = start_sup();
  std::vector<std::string> seen;
  sys.spawn([&, s](actor& self) -> behavior {
    dynamic_supervisor::start_child(self, s, session_spec("a"), 1s, [&, s](result<pid> p) {
      seen.push_back(p ? "started" : "failed");
      if (p) dynamic_supervisor::terminate_child(self, s, *p, 1s, [&](result<void> r) { seen.push_back(r ? "terminated" : "failed"); });
    });
    return {};
  });
  run();
  EXPECT_EQ(seen, (std::vector<std::string>{"started", "terminated"}));
}

TEST_F(DynamicSupervisorTest, GetChildspecFindsADynamicChildByPid) {
  // OTP supervisor:get_childspec/2 for simple_one_for_one takes the child's pid; the spec has
  // no meaningful id.
  pid s = start_sup();
  pid a = start_session(s, "a", restart_type::transient);
  auto r = dynamic_supervisor::get_childspec(sys, s, a);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->id.empty());
  EXPECT_EQ(r->restart, restart_type::transient);
  auto none = dynamic_supervisor::get_childspec(sys, s, spawn_idle());
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), errc::not_found);
}

}  // namespace
}  // namespace troupe
