#include "troupe/node/behaviour/gen_server.hpp"

#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "troupe/node/behaviour/gen_server_call.hpp"
#include "troupe/node/behaviour/start_link.hpp"
#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/journal.hpp"
#include "tests/support/test_messages.hpp"

namespace gs_test {
struct get_count {
  MSGPACK_DEFINE();
};
struct count_is {
  std::int64_t n = 0;
  MSGPACK_DEFINE(n);
};
struct add {
  std::int64_t n = 0;
  MSGPACK_DEFINE(n);
};
struct park {
  MSGPACK_DEFINE();
};
struct release {
  std::int64_t n = 0;
  MSGPACK_DEFINE(n);
};
struct halt {
  MSGPACK_DEFINE();
};
struct boom {
  MSGPACK_DEFINE();
};
struct defer_work {
  MSGPACK_DEFINE();
};
}  // namespace gs_test

TROUPE_MESSAGE(gs_test::get_count, "gs_test.get_count");
TROUPE_MESSAGE(gs_test::count_is, "gs_test.count_is");
TROUPE_MESSAGE(gs_test::add, "gs_test.add");
TROUPE_MESSAGE(gs_test::park, "gs_test.park");
TROUPE_MESSAGE(gs_test::release, "gs_test.release");
TROUPE_MESSAGE(gs_test::halt, "gs_test.halt");
TROUPE_MESSAGE(gs_test::boom, "gs_test.boom");
TROUPE_MESSAGE(gs_test::defer_work, "gs_test.defer_work");

namespace troupe {
namespace {

using namespace gs_test;
using namespace std::chrono_literals;
using test::journal;


/// How the counter's init behaves.
enum class init_mode { ok, continue_after, fail, throws, ignore, trap_exits, idle_timeout };

/// A counter gen_server that notes every callback in a journal.
class counter : public gen_server {
 public:
  counter(journal* j, init_mode mode = init_mode::ok) : j_(j), mode_(mode) {}

 protected:
  init_result init() override {
    j_->note("init");
    switch (mode_) {
      case init_mode::continue_after: return init_result::ok_then_continue(std::string("warm-up"));
      case init_mode::fail: return init_result::stop(exit_reason::error("bad config"));
      case init_mode::throws: throw std::runtime_error("init threw");
      case init_mode::ignore: return init_result::ignore();
      case init_mode::trap_exits: trap_exit(true); break;
      case init_mode::idle_timeout: set_receive_timeout(1s); break;
      case init_mode::ok: break;
    }
    return init_result::ok();
  }
  behavior make_handlers() override {
    return {
        [this](const get_count&) { return count_is{n_}; },
        [this](const add& a) {
          n_ += a.n;
          j_->note("add " + std::to_string(a.n));
        },
        [this](const park&) { parked_ = current_call(); },
        [this](const release& r) { reply(parked_, count_is{r.n}); },
        [this](const halt&) { stop(exit_reason::shutdown("asked to")); },
        [](const boom&) -> void { throw std::runtime_error("boom"); },
        [this](const defer_work&) { continue_with(std::string("deferred")); },
    };
  }
  void handle_continue(std::any& arg) override { j_->note("continue " + std::any_cast<std::string>(arg)); }
  void handle_info(envelope& e) override { j_->note("info " + std::string(e.type->name)); }
  void terminate(const exit_reason& reason) override { j_->note("terminate " + reason.to_string()); }

 private:
  journal* j_;
  init_mode mode_;
  std::int64_t n_ = 0;
  reply_to parked_;
};

/// A name service backed by a map, standing in for a registry.
class map_names final : public name_service {
 public:
  result<void> register_name(const std::string& name, const pid& p) override {
    std::lock_guard lock(mutex_);
    if (!names_.emplace(name, p).second) return fail(errc::name_taken, name);
    return {};
  }
  void unregister_name(const std::string& name, const pid& p) override {
    std::lock_guard lock(mutex_);
    if (auto it = names_.find(name); it != names_.end() && it->second == p) names_.erase(it);
  }
  std::optional<pid> whereis(const std::string& name) const override {
    std::lock_guard lock(mutex_);
    auto it = names_.find(name);
    if (it == names_.end()) return std::nullopt;
    return it->second;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, pid> names_;
};

class GenServerTest : public test::deterministic_fixture {
 protected:
  // The node stops before the journal its processes write to goes away.
  void TearDown() override { sys.shutdown(); }
  journal j;
  /// Calls through the node's own name table as a via name: it steps the node (deterministic).
  template <class Resp, class Req>
  result<Resp> ask(const pid& p, Req req) {
    std::string name = "probe-target";
    sys.unregister_name(name);
    if (auto r = sys.register_name(name, p); !r) return std::unexpected(r.error());
    auto out = call<Resp>(sys, via{&sys.local_names(), name}, std::move(req), 1s);
    sys.unregister_name(name);
    return out;
  }
};

// --- start and init ---------------------------------------------------------------------------

TEST_F(GenServerTest, StartReturnsThePidOnceInitHasRun) {
  auto p = start<counter>(sys, &j);
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_TRUE(sys.alive(*p));
  EXPECT_EQ(j.all(), std::vector<std::string>{"init"});
}

TEST_F(GenServerTest, AnInitThatStopsFailsTheStartWithItsReason) {
  auto before = sys.process_count();
  auto p = start<counter>(sys, &j, init_mode::fail);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), errc::init_failed);
  EXPECT_NE(p.error().message().find("bad config"), std::string::npos);
  run();
  EXPECT_EQ(sys.process_count(), before);
  EXPECT_FALSE(j.has("terminate error: bad config")) << "terminate never runs for a failed init";
}

TEST_F(GenServerTest, AnInitThatThrowsFailsTheStart) {
  auto p = start<counter>(sys, &j, init_mode::throws);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), errc::init_failed);
  EXPECT_NE(p.error().message().find("init threw"), std::string::npos);
}

TEST_F(GenServerTest, AnInitThatIgnoresGivesANullPidAndNoProcess) {
  auto before = sys.process_count();
  auto p = start<counter>(sys, &j, init_mode::ignore);
  ASSERT_TRUE(p);
  EXPECT_FALSE(*p);
  run();
  EXPECT_EQ(sys.process_count(), before);
}

TEST_F(GenServerTest, ALocalNameIsRegisteredBeforeInitAndReachesTheServer) {
  auto p = start<counter>(sys, start_options::local("counter"), &j);
  ASSERT_TRUE(p);
  EXPECT_EQ(sys.whereis("counter"), *p);
  cast(sys, "counter", add{3});
  auto n = call<count_is>(sys, via{&sys.local_names(), "counter"}, get_count{}, 1s);
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(n->n, 3);
}

TEST_F(GenServerTest, ATakenLocalNameFailsTheStartAndTheNewServerNeverRunsInit) {
  auto first = start<counter>(sys, start_options::local("counter"), &j);
  ASSERT_TRUE(first);
  auto before = sys.process_count();
  auto second = start<counter>(sys, start_options::local("counter"), &j);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code(), errc::name_taken);
  run();
  EXPECT_EQ(sys.process_count(), before) << "the loser does not keep running";
  EXPECT_EQ(j.all(), std::vector<std::string>{"init"}) << "only the first server ran init";
  EXPECT_EQ(sys.whereis("counter"), *first);
}

TEST_F(GenServerTest, AViaNameIsHeldInTheNameServiceAndReleasedWhenTheServerExits) {
  map_names names;
  auto p = start<counter>(sys, start_options::named(via{&names, "c"}), &j);
  ASSERT_TRUE(p);
  EXPECT_EQ(names.whereis("c"), *p);
  cast(sys, via{&names, "c"}, add{2});
  auto n = call<count_is>(sys, via{&names, "c"}, get_count{}, 1s);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->n, 2);
  sys.send(*p, halt{});
  run();
  EXPECT_FALSE(names.whereis("c"));
}

TEST_F(GenServerTest, ATakenViaNameFailsTheStartWithNameTaken) {
  map_names names;
  ASSERT_TRUE(names.register_name("c", pid{sys.node(), sys.creation(), 999999}));
  auto p = start<counter>(sys, start_options::named(via{&names, "c"}), &j);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), errc::name_taken);
  EXPECT_TRUE(j.all().empty());
}

TEST_F(GenServerTest, ACallToAViaNameNobodyHoldsFailsWithNoproc) {
  map_names names;
  auto r = call<count_is>(sys, via{&names, "nobody"}, get_count{}, 1s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::noproc);
}

// --- callbacks ----------------------------------------------------------------------------------

TEST_F(GenServerTest, AHandlerThatReturnsAMessageAnswersTheCall) {
  auto p = start<counter>(sys, &j);
  sys.send(*p, add{5});
  auto n = ask<count_is>(*p, get_count{});
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(n->n, 5);
}

/// Calls `server` with `Req` (without blocking) when told to, and notes the outcome.
template <class Req>
behavior asker(actor& self, pid server, journal* j, duration timeout) {
  return {[&self, server, j, timeout](const test::ping&) {
    self.request<count_is>(server, Req{}, timeout, [j](result<count_is> r) {
      j->note(r ? "reply " + std::to_string(r->n) : std::string("error ") + to_string(r.error().code()));
    });
  }};
}

TEST_F(GenServerTest, AServerCanKeepTheCallerAndReplyLater) {
  auto p = *start<counter>(sys, &j);
  pid c = sys.spawn([&](actor& self) { return asker<park>(self, p, &j, 10s); });
  sys.send(c, test::ping{});
  run();
  EXPECT_FALSE(j.has("reply 7"));
  sys.send(p, release{7});
  run();
  EXPECT_TRUE(j.has("reply 7"));
}

TEST_F(GenServerTest, ACallTheServerNeverAnswersTimesOut) {
  auto p = *start<counter>(sys, &j);
  pid c = sys.spawn([&](actor& self) { return asker<park>(self, p, &j, 2s); });
  sys.send(c, test::ping{});
  run();
  advance(2s);
  EXPECT_TRUE(j.has("error timeout"));
}

TEST_F(GenServerTest, ACastChangesStateWithoutAReply) {
  auto p = *start<counter>(sys, &j);
  cast(sys, p, add{1});
  cast(sys, p, add{2});
  run();
  EXPECT_EQ(j.all(), (std::vector<std::string>{"init", "add 1", "add 2"}));
  auto n = ask<count_is>(p, get_count{});
  ASSERT_TRUE(n);
  EXPECT_EQ(n->n, 3);
}

TEST_F(GenServerTest, ACastFromAnActorReachesTheServerByName) {
  auto p = *start<counter>(sys, start_options::local("counter"), &j);
  pid c = sys.spawn([](actor& self) -> behavior {
    return {[&self](const test::ping&) { cast(self, "counter", add{4}); }};
  });
  sys.send(c, test::ping{});
  run();
  EXPECT_TRUE(j.has("add 4"));
  (void)p;
}

TEST_F(GenServerTest, MessagesNoHandlerMatchesGoToHandleInfo) {
  auto p = *start<counter>(sys, &j);
  sys.send(p, test::text{"hello"});
  run();
  EXPECT_TRUE(j.has("info test.text"));
  EXPECT_EQ(sys.counters().unhandled.load(), 0u);
}

TEST_F(GenServerTest, HandleContinueRunsAfterInitAndBeforeAnyMessage) {
  auto p = start<counter>(sys, &j, init_mode::continue_after);
  ASSERT_TRUE(p);
  sys.send(*p, add{1});
  run();
  EXPECT_EQ(j.all(), (std::vector<std::string>{"init", "continue warm-up", "add 1"}));
}

TEST_F(GenServerTest, ContinueWithFromAHandlerRunsBeforeTheNextMessage) {
  auto p = *start<counter>(sys, &j);
  sys.send(p, defer_work{});
  sys.send(p, add{1});
  run();
  EXPECT_EQ(j.all(), (std::vector<std::string>{"init", "continue deferred", "add 1"}));
}

TEST_F(GenServerTest, AnIdleServerGetsATimeoutMessageInHandleInfo) {
  auto p = *start<counter>(sys, &j, init_mode::idle_timeout);
  advance(999ms);
  EXPECT_FALSE(j.has("info troupe.timeout"));
  advance(1ms);
  EXPECT_TRUE(j.has("info troupe.timeout"));
  (void)p;
}

// --- terminate ----------------------------------------------------------------------------------

TEST_F(GenServerTest, TerminateRunsWhenTheServerStopsItself) {
  auto p = *start<counter>(sys, &j);
  sys.send(p, halt{});
  run();
  EXPECT_FALSE(sys.alive(p));
  EXPECT_TRUE(j.has("terminate shutdown: asked to"));
}

TEST_F(GenServerTest, TerminateRunsWithTheErrorWhenACallbackThrows) {
  scoped_actor probe(sys);
  auto p = *start<counter>(sys, &j);
  probe->monitor(p);
  sys.send(p, boom{});
  run();
  EXPECT_TRUE(j.has("terminate error: boom"));
  auto down = probe->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->reason, exit_reason::error("boom"));
}

/// Starts a counter linked to itself on start; notes the started_msg it gets.
class parent_actor final : public actor {
 public:
  parent_actor(journal* j, init_mode mode, bool trap) : j_(j), mode_(mode), trap_(trap) {}
  pid child;

 protected:
  behavior make_behavior() override {
    trap_exit(trap_);
    ticket_ = start_link<counter>(*this, start_options{}, j_, mode_);
    child = ticket_.child;
    return {
        [this](const started_msg& m) {
          auto r = m.to_result();
          j_->note(m.ref == ticket_.ack && r ? "started" : "start failed: " + (r ? std::string() : r.error().message()));
        },
        [this](const exit_msg& m) { j_->note("EXIT " + m.reason.to_string()); },
    };
  }

 private:
  journal* j_;
  init_mode mode_;
  bool trap_;
  start_ticket ticket_;
};

TEST_F(GenServerTest, StartLinkFromAnActorAcknowledgesWithoutBlockingAndLinks) {
  pid parent = sys.spawn<parent_actor>(&j, init_mode::ok, false);
  run();
  EXPECT_EQ(j.all(), (std::vector<std::string>{"init", "started"}));
  auto info = sys.info(parent);
  ASSERT_TRUE(info);
  ASSERT_EQ(info->links.size(), 1u);
  EXPECT_TRUE(sys.alive(info->links[0]));
}

TEST_F(GenServerTest, AFailedStartLinkReachesATrappingParentBeforeTheExit) {
  pid parent = sys.spawn<parent_actor>(&j, init_mode::fail, true);
  run();
  auto lines = j.all();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1].rfind("start failed: init_failed", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2], "EXIT error: bad config");
  EXPECT_TRUE(sys.alive(parent));
}

TEST_F(GenServerTest, TerminateRunsOnTheParentsExitWhenTheServerTrapsExits) {
  pid parent = sys.spawn<parent_actor>(&j, init_mode::trap_exits, false);
  run();
  sys.exit(parent, exit_reason::shutdown());
  run();
  EXPECT_TRUE(j.has("terminate shutdown"));
  EXPECT_EQ(sys.process_count(), 0u);
}

TEST_F(GenServerTest, TerminateDoesNotRunWhenAnExitSignalEndsAServerThatDoesNotTrapExits) {
  pid parent = sys.spawn<parent_actor>(&j, init_mode::ok, false);
  run();
  sys.exit(parent, exit_reason::shutdown());
  run();
  EXPECT_EQ(sys.process_count(), 0u);
  EXPECT_FALSE(j.has("terminate shutdown"));
}

TEST_F(GenServerTest, TerminateDoesNotRunWhenTheServerIsKilled) {
  auto p = *start<counter>(sys, &j, init_mode::trap_exits);
  sys.exit(p, exit_reason::kill());
  run();
  EXPECT_FALSE(sys.alive(p));
  for (auto& line : j.all()) EXPECT_EQ(line.rfind("terminate", 0), std::string::npos) << line;
}

TEST_F(GenServerTest, TerminateRunsOnNodeShutdownWhenTheServerTrapsExits) {
  auto p = *start<counter>(sys, &j, init_mode::trap_exits);
  sys.shutdown();
  EXPECT_FALSE(sys.alive(p));
  EXPECT_TRUE(j.has("terminate shutdown"));
}

// --- threads -------------------------------------------------------------------------------------

TEST(GenServerThreadedTest, BlockingStartAndCallWorkAcrossSchedulerThreads) {
  journal j;
  actor_system sys(actor_system_config{.node_name = "gs", .threads = 2});
  auto p = start<counter>(sys, start_options::local("counter"), &j);
  ASSERT_TRUE(p) << p.error().message();
  for (int i = 0; i < 100; ++i) cast(sys, "counter", add{1});
  auto n = call<count_is>(sys, "counter", get_count{}, 5s);
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(n->n, 100);
}

TEST(GenServerThreadedTest, ACallToAServerThatCrashesFailsWithExited) {
  journal j;
  actor_system sys(actor_system_config{.node_name = "gs", .threads = 2});
  auto p = start<counter>(sys, &j);
  ASSERT_TRUE(p);
  auto r = call<count_is>(sys, *p, boom{}, 5s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::exited);
}

}  // namespace
}  // namespace troupe
