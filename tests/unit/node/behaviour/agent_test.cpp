#include "troupe/node/behaviour/agent.hpp"

#include <gtest/gtest.h>

#include <future>
#include <map>
#include <string>
#include <vector>

#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/driver.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using test::ping;
using test::text;
using namespace std::chrono_literals;
using test::describe;
using test::spawn_driver;

using counter = agent<int>;



class AgentTest : public test::deterministic_fixture {
 protected:
  std::vector<std::string> log;

  /// Starts a counter agent linked to a driver, runs `body` with both, and returns the driver.
  pid with_counter(int initial, std::function<void(actor&, counter&)> body) {
    auto a = std::make_shared<std::optional<counter>>();
    return spawn_driver(sys, [this, a, initial, body](actor& self) {
      if (!*a) {
        auto started = counter::start_link(self, [initial] { return initial; });
        ASSERT_TRUE(started);
        a->emplace(*started);
        agent_pid = (*a)->id();
      }
      body(self, **a);
    });
  }
  pid agent_pid;
};

TEST_F(AgentTest, GetReadsTheStateTheInitFunctionBuilt) {
  pid d = with_counter(41, [this](actor& self, counter& c) {
    c.get(self, [](const int& n) { return n + 1; }, 1s, [this](result<int> r) { log.push_back(describe(r)); });
  });
  sys.send(d, ping{});
  run();
  EXPECT_EQ(log, std::vector<std::string>{"42"});
}

TEST_F(AgentTest, UpdateChangesTheStateInPlaceOrReplacesIt) {
  pid d = with_counter(1, [this](actor& self, counter& c) {
    c.update(self, [](int& n) { n *= 10; }, 1s, [this](result<void> r) { log.push_back(describe(r)); });
    c.update(self, [](const int& n) { return n + 5; }, 1s, [this](result<void> r) { log.push_back(describe(r)); });
    c.get(self, [](const int& n) { return n; }, 1s, [this](result<int> r) { log.push_back(describe(r)); });
  });
  sys.send(d, ping{});
  run();
  EXPECT_EQ(log, (std::vector<std::string>{"ok", "ok", "15"}));
}

TEST_F(AgentTest, GetAndUpdateAnswersAndKeepsTheChange) {
  pid d = with_counter(7, [this](actor& self, counter& c) {
    c.get_and_update(self, [](int& n) { return n++; }, 1s, [this](result<int> r) { log.push_back(describe(r)); });
    c.get(self, [](const int& n) { return n; }, 1s, [this](result<int> r) { log.push_back(describe(r)); });
  });
  sys.send(d, ping{});
  run();
  EXPECT_EQ(log, (std::vector<std::string>{"7", "8"}));
}

TEST_F(AgentTest, CastChangesTheStateWithoutAnAnswerAndKeepsOrder) {
  pid d = with_counter(0, [this](actor& self, counter& c) {
    for (int i = 1; i <= 3; ++i) c.cast(self, [i](int& n) { n = n * 10 + i; });
    c.get(self, [](const int& n) { return n; }, 1s, [this](result<int> r) { log.push_back(describe(r)); });
  });
  sys.send(d, ping{});
  run();
  EXPECT_EQ(log, std::vector<std::string>{"123"});
}

TEST_F(AgentTest, AStateOfAnyTypeWorks) {
  using table = std::map<std::string, std::vector<int>>;
  auto a = std::make_shared<std::optional<agent<table>>>();
  pid d = spawn_driver(sys, [this, a](actor& self) {
    a->emplace(*agent<table>::start_link(self, [] { return table{{"a", {1}}}; }));
    (*a)->update(self, [](table& t) { t["a"].push_back(2); }, 1s, [](result<void>) {});
    (*a)->get(self, [](const table& t) { return t.at("a"); }, 1s, [this](result<std::vector<int>> r) {
      log.push_back(r && *r == std::vector<int>{1, 2} ? "ok" : "wrong");
    });
  });
  sys.send(d, ping{});
  run();
  EXPECT_EQ(log, std::vector<std::string>{"ok"});
}

TEST_F(AgentTest, AFunctionThatThrowsCrashesTheAgentAndTheCallerGetsExited) {
  auto a = std::make_shared<std::optional<counter>>();
  pid d = spawn_driver(
      sys,
      [this, a](actor& self) {
        a->emplace(counter::start(self, [] { return 0; }));
        (*a)->get(self, [](const int&) -> int { throw std::runtime_error("bad read"); }, 1s,
                  [this](result<int> r) { log.push_back(describe(r)); });
      });
  sys.send(d, ping{});
  run();
  EXPECT_EQ(log, std::vector<std::string>{"exited"});
  EXPECT_FALSE(sys.alive((*a)->id()));
  EXPECT_TRUE(sys.alive(d)) << "an unlinked agent's crash does not reach the caller";
}

TEST_F(AgentTest, AnInitThatThrowsTakesTheLinkedStarterDown) {
  scoped_actor probe(sys);
  pid d = spawn_driver(sys, [](actor& self) {
    (void)counter::start_link(self, []() -> int { throw std::runtime_error("no config"); });
  });
  ref_id mon = probe->monitor(d);
  run();
  sys.send(d, ping{});
  run();
  auto down = probe->receive<down_msg>(0s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->ref, mon);
  EXPECT_EQ(down->reason, exit_reason::error("no config"));
}

TEST_F(AgentTest, StopEndsTheAgentAndLaterRequestsGetNoproc) {
  int round = 0;
  pid d = with_counter(3, [this, &round](actor& self, counter& c) {
    if (round++ == 0) {
      c.stop(self, exit_reason::normal(), 1s, [this](result<void> r) { log.push_back("stop " + describe(r)); });
    } else {
      c.get(self, [](const int& n) { return n; }, 1s, [this](result<int> r) { log.push_back(describe(r)); });
    }
  });
  sys.send(d, ping{});
  run();
  EXPECT_FALSE(sys.alive(agent_pid));
  sys.send(d, ping{});
  run();
  EXPECT_EQ(log, (std::vector<std::string>{"stop ok", "noproc"}));
}

TEST_F(AgentTest, AHandleOfTheWrongStateTypeIsRefused) {
  pid d = with_counter(3, [this](actor& self, counter& c) {
    agent<std::string> wrong(c.id());
    wrong.get(self, [](const std::string& s) { return int(s.size()); }, 1s,
              [this](result<int> r) { log.push_back(describe(r)); });
    wrong.cast(self, [](std::string& s) { s = "x"; });  // ignored
    c.get(self, [](const int& n) { return n; }, 1s, [this](result<int> r) { log.push_back(describe(r)); });
  });
  sys.send(d, ping{});
  run();
  EXPECT_EQ(log, (std::vector<std::string>{"invalid_argument", "3"}));
}

TEST_F(AgentTest, AnAgentStartedWithANameIsReachableByIt) {
  pid d = spawn_driver(sys, [this](actor& self) {
    auto first = counter::start_link(self, [] { return 1; }, via{&sys.local_names(), "counter"});
    log.push_back(first ? "ok" : to_string(first.error().code()));
    auto second = counter::start_link(self, [] { return 2; }, via{&sys.local_names(), "counter"});
    log.push_back(second ? "ok" : to_string(second.error().code()));
    counter(*sys.whereis("counter")).get(self, [](const int& n) { return n; }, 1s,
                                         [this](result<int> r) { log.push_back(describe(r)); });
  });
  sys.send(d, ping{});
  run();
  EXPECT_EQ(log, (std::vector<std::string>{"ok", "name_taken", "1"}));
  EXPECT_TRUE(sys.alive(d)) << "the refused agent is killed without taking the starter down";
}

// --- blocking variants, from a plain thread -----------------------------------------------------

class AgentBlockingTest : public ::testing::Test {
 protected:
  // One scheduler thread: the concurrency under test is between plain threads and the agent.
  actor_system sys{actor_system_config{.node_name = "agent", .threads = 1}};
};

TEST_F(AgentBlockingTest, StartGetUpdateGetAndUpdateAndStopWorkFromAPlainThread) {
  auto c = counter::start(sys, [] { return 10; });
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->get(sys, [](const int& n) { return n; }), 10);
  ASSERT_TRUE(c->update(sys, [](int& n) { n += 5; }));
  EXPECT_EQ(c->get_and_update(sys, [](int& n) { return std::exchange(n, 0); }), 15);
  c->cast(sys, [](int& n) { n = 99; });
  EXPECT_EQ(c->get(sys, [](const int& n) { return n; }), 99) << "a cast is handled before a later get";
  ASSERT_TRUE(c->stop(sys));
  EXPECT_FALSE(sys.alive(c->id())) << "a blocking stop returns once the agent has exited";
  auto after = c->get(sys, [](const int& n) { return n; });
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().code(), errc::noproc);
}

TEST_F(AgentBlockingTest, ABlockingStartWhoseInitThrowsGivesInitFailed) {
  auto c = counter::start(sys, []() -> int { throw std::runtime_error("no config"); });
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), errc::init_failed);
  EXPECT_NE(c.error().message().find("no config"), std::string::npos) << c.error().message();
}

TEST_F(AgentBlockingTest, ABlockingStartUnderATakenNameGivesNameTaken) {
  auto first = counter::start(sys, [] { return 1; }, {.name = via{&sys.local_names(), "c"}});
  ASSERT_TRUE(first);
  auto second = counter::start(sys, [] { return 2; }, {.name = via{&sys.local_names(), "c"}});
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code(), errc::name_taken);
  EXPECT_EQ(sys.whereis("c"), first->id());
}

TEST_F(AgentBlockingTest, ABlockingGetTimesOutWhileTheAgentIsBusy) {
  auto c = counter::start(sys, [] { return 1; });
  ASSERT_TRUE(c);
  std::promise<void> release;
  auto gate = release.get_future().share();
  c->cast(sys, [gate](int&) { gate.wait(); });  // keeps the agent busy until released
  auto r = c->get(sys, [](const int& n) { return n; }, 50ms);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::timeout);
  release.set_value();
  EXPECT_EQ(c->get(sys, [](const int& n) { return n; }), 1) << "the agent carries on after a caller gave up";
}

TEST_F(AgentBlockingTest, ABlockingStopWithAnotherReasonIsSeenByMonitors) {
  auto c = counter::start(sys, [] { return 1; });
  ASSERT_TRUE(c);
  scoped_actor probe(sys);
  ref_id mon = probe->monitor(c->id());
  ASSERT_TRUE(c->stop(sys, exit_reason::shutdown("maintenance")));
  auto down = probe->receive<down_msg>(5s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->ref, mon);
  EXPECT_EQ(down->reason, exit_reason::shutdown("maintenance"));
}

TEST_F(AgentBlockingTest, ABlockingCallFromInsideAnActorFailsInsteadOfDeadlocking) {
  auto c = counter::start(sys, [] { return 1; });
  ASSERT_TRUE(c);
  scoped_actor probe(sys);
  pid report_to = probe.self();
  pid d = spawn_driver(sys, [&, report_to](actor& self) {
    auto r = c->get(self.system(), [](const int& n) { return n; }, 1s);
    self.send(report_to, text{describe(r)});
  });
  sys.send(d, ping{});
  auto reply = probe->receive<text>(5s);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->value, "invalid_argument");
}

}  // namespace
}  // namespace troupe
