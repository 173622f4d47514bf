// Supervisor auto_shutdown with significant children (OTP 24+). Each test quotes the OTP rule.
#include <gtest/gtest.h>

#include "troupe/node/behaviour/dynamic_supervisor.hpp"
#include "troupe/node/behaviour/start_link.hpp"
#include "troupe/node/behaviour/supervisor.hpp"
#include "tests/support/deterministic_fixture.hpp"

namespace auto_shutdown_test {
struct quit {
  bool normal = true;
  MSGPACK_DEFINE(normal);
};
}  // namespace auto_shutdown_test

TROUPE_MESSAGE(auto_shutdown_test::quit, "auto_shutdown_test.quit");

namespace troupe {
namespace {

using auto_shutdown_test::quit;
using namespace std::chrono_literals;
using lines = std::vector<std::string>;

/// Notes "stop <id> <reason>" when it ends; quits normally or with an error on request.
class member : public gen_server {
 public:
  member(lines* log, std::string id) : log_(log), id_(std::move(id)) {}

 protected:
  init_result init() override {
    trap_exit(true);
    return init_result::ok();
  }
  behavior make_handlers() override {
    return {[this](const quit& q) { stop(q.normal ? exit_reason::normal() : exit_reason::error("quit")); }};
  }
  void terminate(const exit_reason& reason) override { log_->push_back("stop " + id_ + " " + reason.to_string()); }

 private:
  lines* log_;
  std::string id_;
};

class SupervisorAutoShutdownTest : public test::deterministic_fixture {
 protected:
  void TearDown() override { sys.shutdown(); }
  lines log;
  scoped_actor probe{sys};

  child_spec spec(const std::string& id, restart_type r = restart_type::permanent, bool significant = false) {
    return child_spec::worker<member>(id, &log, id).with_restart(r).with_significant(significant);
  }
  pid start_sup(troupe::auto_shutdown mode, std::vector<child_spec> children) {
    auto s = start<supervisor>(sys, supervisor_flags{.auto_shutdown = mode}, std::move(children));
    EXPECT_TRUE(s) << s.error().message();
    if (s) probe->monitor(*s);
    return s ? *s : pid{};
  }
  pid child_pid(const pid& sup, const std::string& id) {
    auto c = supervisor::which_children(sys, sup);
    if (c)
      for (auto& i : *c)
        if (i.id == id) return i.child;
    return {};
  }
  void make_quit(const pid& sup, const std::string& id, bool normal) {
    sys.send(child_pid(sup, id), quit{normal});
    run();
  }
  std::optional<exit_reason> sup_exit() {
    run();
    auto d = probe->receive<down_msg>(0s);
    return d ? std::optional(d->reason) : std::nullopt;
  }
};

TEST_F(SupervisorAutoShutdownTest, AnySignificantShutsDownWhenATransientSignificantChildExitsNormally) {
  // OTP any_significant: "The supervisor will shut itself down when any significant child
  // terminates, that is, when a transient significant child terminates normally ..."; it exits
  // with reason shutdown, stopping its other children first.
  pid s = start_sup(auto_shutdown::any_significant,
                    {spec("a"), spec("job", restart_type::transient, true), spec("c")});
  make_quit(s, "job", true);
  EXPECT_EQ(sup_exit(), exit_reason::shutdown());
  EXPECT_EQ(log, (lines{"stop job normal", "stop c shutdown", "stop a shutdown"}));
}

TEST_F(SupervisorAutoShutdownTest, ATransientSignificantChildThatCrashesIsRestartedNotAShutdown) {
  // Only a normal termination of a transient child counts; an abnormal one is a restart as usual.
  pid s = start_sup(auto_shutdown::any_significant, {spec("job", restart_type::transient, true)});
  pid first = child_pid(s, "job");
  make_quit(s, "job", false);
  EXPECT_FALSE(sup_exit());
  EXPECT_NE(child_pid(s, "job"), first);
  EXPECT_TRUE(sys.alive(child_pid(s, "job")));
}

TEST_F(SupervisorAutoShutdownTest, AnySignificantShutsDownWhenATemporarySignificantChildExitsForAnyReason) {
  // "... or when a temporary significant child terminates normally or abnormally."
  pid s = start_sup(auto_shutdown::any_significant, {spec("a"), spec("job", restart_type::temporary, true)});
  make_quit(s, "job", false);
  EXPECT_EQ(sup_exit(), exit_reason::shutdown());
}

TEST_F(SupervisorAutoShutdownTest, AllSignificantWaitsForTheLastSignificantChild) {
  // OTP all_significant: "The supervisor will shut itself down when all significant children
  // have terminated, that is, when the last active significant child terminates."
  pid s = start_sup(auto_shutdown::all_significant, {spec("a"), spec("j1", restart_type::temporary, true),
                                                      spec("j2", restart_type::transient, true)});
  make_quit(s, "j1", true);
  EXPECT_FALSE(sup_exit());
  EXPECT_TRUE(sys.alive(child_pid(s, "a")));
  make_quit(s, "j2", true);
  EXPECT_EQ(sup_exit(), exit_reason::shutdown());
}

TEST_F(SupervisorAutoShutdownTest, ANonSignificantChildEndingTriggersNothing) {
  // Only significant children count: a temporary child that is not significant just goes.
  pid s = start_sup(auto_shutdown::any_significant, {spec("t", restart_type::temporary), spec("job", restart_type::transient, true)});
  make_quit(s, "t", true);
  EXPECT_FALSE(sup_exit());
}

TEST_F(SupervisorAutoShutdownTest, ASignificantChildTheSupervisorTerminatesTriggersNothing) {
  // OTP: "Auto-shutdown only applies when significant children terminate by themselves, not
  // when their termination was caused by the supervisor" (e.g. terminate_child).
  pid s = start_sup(auto_shutdown::any_significant, {spec("job", restart_type::transient, true)});
  ASSERT_TRUE(supervisor::terminate_child(sys, s, "job"));
  EXPECT_FALSE(sup_exit());
  EXPECT_TRUE(sys.alive(s));
}

TEST_F(SupervisorAutoShutdownTest, APermanentSignificantChildIsRefused) {
  // OTP significant: "Setting this option to true for a child process with restart type
  // permanent is invalid".
  auto s = start<supervisor>(sys, supervisor_flags{.auto_shutdown = auto_shutdown::any_significant},
                             std::vector<child_spec>{spec("p", restart_type::permanent, true)});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("permanent"), std::string::npos) << s.error().message();
  pid ok = start_sup(auto_shutdown::any_significant, {});
  auto added = supervisor::start_child(sys, ok, spec("p", restart_type::permanent, true));
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code(), errc::invalid_argument);
}

TEST_F(SupervisorAutoShutdownTest, ASignificantChildUnderAutoShutdownNeverIsRefused) {
  // OTP never: "With auto_shutdown set to never, child specs with the significant flag set to
  // true are considered invalid and will be rejected."
  auto s = start<supervisor>(sys, supervisor_flags{}, std::vector<child_spec>{spec("job", restart_type::transient, true)});
  ASSERT_FALSE(s);
  pid plain = start_sup(auto_shutdown::never, {});
  auto added = supervisor::start_child(sys, plain, spec("job", restart_type::temporary, true));
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code(), errc::invalid_argument);
}

TEST_F(SupervisorAutoShutdownTest, ADynamicSupervisorRefusesSignificantChildren) {
  // OTP 27 disallows auto_shutdown for simple_one_for_one, and Elixir's DynamicSupervisor has
  // none: a significant child has nothing to act on there, so it is refused (as under never).
  auto d = start<dynamic_supervisor>(sys, dynamic_supervisor_flags{});
  ASSERT_TRUE(d);
  auto added = dynamic_supervisor::start_child(sys, *d, spec("job", restart_type::temporary, true));
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code(), errc::invalid_argument);
}

}  // namespace
}  // namespace troupe
