#include "troupe/registry/registry.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>
#include <tuple>

#include "troupe/node/behaviour/start_link.hpp"
#include "troupe/node/call.hpp"
#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using test::ping;
using test::pong;
using test::text;
using namespace std::chrono_literals;

/// A process that does nothing until it is told to stop.
pid spawn_idle(actor_system& sys) {
  return sys.spawn([](actor&) -> behavior { return {[](const text&) {}}; });
}

class RegistryTest : public test::deterministic_fixture {
 protected:
  registry<int> unique{sys, registry_keys::unique};
  registry<int> dup{sys, registry_keys::duplicate};

  std::vector<pid> pids_of(const std::vector<std::pair<pid, int>>& entries) {
    std::vector<pid> out;
    for (auto& e : entries) out.push_back(e.first);
    return out;
  }
};

TEST_F(RegistryTest, AUniqueKeyLooksUpToItsOneHolderAndValue) {
  pid a = spawn_idle(sys);
  ASSERT_TRUE(unique.register_key(a, "db", 7));
  auto found = unique.lookup("db");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].first, a);
  EXPECT_EQ(found[0].second, 7);
}

TEST_F(RegistryTest, RegisteringATakenUniqueKeyGivesNameTakenNamingTheHolder) {
  pid a = spawn_idle(sys), b = spawn_idle(sys);
  ASSERT_TRUE(unique.register_key(a, "db", 1));
  auto r = unique.register_key(b, "db", 2);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::name_taken);
  EXPECT_NE(r.error().message().find(a.to_string()), std::string::npos) << r.error().message();
  EXPECT_EQ(pids_of(unique.lookup("db")), std::vector<pid>{a});
}

TEST_F(RegistryTest, AProcessCannotTakeAUniqueKeyItAlreadyHolds) {
  pid a = spawn_idle(sys);
  ASSERT_TRUE(unique.register_key(a, "db", 1));
  auto again = unique.register_key(a, "db", 2);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), errc::name_taken);
  EXPECT_EQ(unique.lookup("db")[0].second, 1);
}

TEST_F(RegistryTest, ADuplicateKeyHoldsEveryRegistrant) {
  pid a = spawn_idle(sys), b = spawn_idle(sys);
  ASSERT_TRUE(dup.register_key(a, "topic", 1));
  ASSERT_TRUE(dup.register_key(b, "topic", 2));
  ASSERT_TRUE(dup.register_key(a, "topic", 3));  // one process may hold a duplicate key twice
  EXPECT_EQ(pids_of(dup.lookup("topic")), (std::vector<pid>{a, b, a}));
  EXPECT_EQ(dup.count(), 3u);
}

TEST_F(RegistryTest, LookingUpAnUnknownKeyGivesNoEntries) {
  EXPECT_TRUE(unique.lookup("nobody").empty());
  EXPECT_TRUE(dup.lookup("nobody").empty());
}

TEST_F(RegistryTest, UnregisterRemovesOnlyTheCallersEntriesUnderThatKey) {
  pid a = spawn_idle(sys), b = spawn_idle(sys);
  ASSERT_TRUE(dup.register_key(a, "topic", 1));
  ASSERT_TRUE(dup.register_key(a, "topic", 2));
  ASSERT_TRUE(dup.register_key(b, "topic", 3));
  ASSERT_TRUE(dup.register_key(a, "other", 4));
  EXPECT_EQ(dup.unregister(a, "topic"), 2u);
  EXPECT_EQ(pids_of(dup.lookup("topic")), std::vector<pid>{b});
  EXPECT_EQ(dup.keys(a), std::vector<std::string>{"other"});
  EXPECT_EQ(dup.unregister(a, "topic"), 0u);
}

TEST_F(RegistryTest, MatchKeepsTheEntriesWhoseValueSatisfiesThePredicate) {
  pid a = spawn_idle(sys), b = spawn_idle(sys), c = spawn_idle(sys);
  ASSERT_TRUE(dup.register_key(a, "shard", 10));
  ASSERT_TRUE(dup.register_key(b, "shard", 25));
  ASSERT_TRUE(dup.register_key(c, "shard", 30));
  auto big = dup.match("shard", [](int v) { return v > 20; });
  EXPECT_EQ(pids_of(big), (std::vector<pid>{b, c}));
  EXPECT_TRUE(dup.match("none", [](int) { return true; }).empty());
}

TEST_F(RegistryTest, DispatchRunsTheFunctionOnceOverTheEntriesOfAKey) {
  pid a = spawn_idle(sys), b = spawn_idle(sys);
  ASSERT_TRUE(dup.register_key(a, "topic", 1));
  ASSERT_TRUE(dup.register_key(b, "topic", 2));
  int calls = 0;
  int sum = 0;
  EXPECT_TRUE(dup.dispatch("topic", [&](const std::vector<std::pair<pid, int>>& entries) {
    ++calls;
    for (auto& [p, v] : entries) sum += v;
  }));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(sum, 3);
  EXPECT_FALSE(dup.dispatch("empty", [&](const auto&) { ++calls; }));
  EXPECT_EQ(calls, 1);
}

TEST_F(RegistryTest, DispatchCanSendToEveryRegistrant) {
  scoped_actor a(sys), b(sys);
  ASSERT_TRUE(dup.register_key(a.self(), "news", 0));
  ASSERT_TRUE(dup.register_key(b.self(), "news", 0));
  dup.dispatch("news", [&](const auto& entries) {
    for (auto& [p, v] : entries) sys.send(p, text{"headline"});
  });
  EXPECT_EQ(a->receive<text>(0s)->value, "headline");
  EXPECT_EQ(b->receive<text>(0s)->value, "headline");
}

TEST_F(RegistryTest, CountAndCountMatchCountEntries) {
  pid a = spawn_idle(sys), b = spawn_idle(sys);
  ASSERT_TRUE(dup.register_key(a, "k", 1));
  ASSERT_TRUE(dup.register_key(b, "k", 2));
  ASSERT_TRUE(dup.register_key(b, "j", 2));
  EXPECT_EQ(dup.count(), 3u);
  EXPECT_EQ(dup.count_match("k", [](int v) { return v == 2; }), 1u);
  EXPECT_EQ(dup.count_match("missing", [](int) { return true; }), 0u);
}

TEST_F(RegistryTest, KeysListsEveryKeyAProcessHolds) {
  pid a = spawn_idle(sys);
  ASSERT_TRUE(unique.register_key(a, "x", 0));
  ASSERT_TRUE(unique.register_key(a, "y", 0));
  auto k = unique.keys(a);
  std::sort(k.begin(), k.end());
  EXPECT_EQ(k, (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(unique.keys(spawn_idle(sys)).empty());
}

TEST_F(RegistryTest, EntriesVanishWhenTheirProcessDies) {
  pid a = spawn_idle(sys), b = spawn_idle(sys);
  ASSERT_TRUE(dup.register_key(a, "topic", 1));
  ASSERT_TRUE(dup.register_key(a, "other", 1));
  ASSERT_TRUE(dup.register_key(b, "topic", 2));
  run();
  sys.exit(a, exit_reason::kill());
  run();
  EXPECT_EQ(pids_of(dup.lookup("topic")), std::vector<pid>{b});
  EXPECT_TRUE(dup.lookup("other").empty());
  EXPECT_TRUE(dup.keys(a).empty());
  EXPECT_EQ(dup.count(), 1u);
}

TEST_F(RegistryTest, AProcessThatDiesBeforeTheServerWatchesItLeavesNoEntries) {
  pid a = spawn_idle(sys);
  ASSERT_TRUE(unique.register_key(a, "db", 1));
  sys.exit(a, exit_reason::kill());  // the server has not handled its watch message yet
  run();
  EXPECT_TRUE(unique.lookup("db").empty());
  EXPECT_EQ(unique.count(), 0u);
}

TEST_F(RegistryTest, AUniqueKeyOfADeadHolderCanBeTakenBeforeItsEntryIsCleanedUp) {
  pid b = spawn_idle(sys);
  pid a_pid;
  {
    scoped_actor a(sys);
    a_pid = a.self();
    ASSERT_TRUE(unique.register_key(a.self(), "db", 1));
    run();
  }  // `a` is dead now; the server has not run, so its entry is still there
  EXPECT_EQ(pids_of(unique.lookup("db")), std::vector<pid>{a_pid});
  ASSERT_TRUE(unique.register_key(b, "db", 2));
  EXPECT_EQ(pids_of(unique.lookup("db")), std::vector<pid>{b});
  run();
  EXPECT_EQ(pids_of(unique.lookup("db")), std::vector<pid>{b}) << "the late cleanup leaves the new holder";
}

TEST_F(RegistryTest, RegisteringADeadProcessGivesNoproc) {
  pid a = spawn_idle(sys);
  sys.exit(a, exit_reason::kill());
  run();
  auto r = dup.register_key(a, "k", 0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::noproc);
}

TEST_F(RegistryTest, TheServerStopsMonitoringAProcessWithNoEntriesLeft) {
  pid a = spawn_idle(sys);
  ASSERT_TRUE(dup.register_key(a, "k", 0));
  run();
  EXPECT_EQ(sys.info(a)->monitored_by, std::vector<pid>{dup.server()});
  dup.unregister(a, "k");
  run();
  EXPECT_TRUE(sys.info(a)->monitored_by.empty());
  ASSERT_TRUE(dup.register_key(a, "k", 0));
  run();
  EXPECT_EQ(sys.info(a)->monitored_by, std::vector<pid>{dup.server()});
}

/// Registers itself on `text`, and answers `ping` with how many entries `key` has: reads and
/// writes from inside a handler, without messages or blocking.
class self_registrant final : public actor {
 public:
  explicit self_registrant(registry<int>* reg) : reg_(reg) {}

 protected:
  behavior make_behavior() override {
    return {
        [this](const text& t) { ok_ = reg_->register_key(*this, t.value, 5).has_value(); },
        [this](const ping&) { send(sender(), pong{ok_ ? reg_->lookup("mine").size() : 99}); },
    };
  }

 private:
  registry<int>* reg_;
  bool ok_ = false;
};

TEST_F(RegistryTest, AProcessRegistersItselfAndReadsFromInsideAHandler) {
  scoped_actor probe(sys);
  pid p = sys.spawn<self_registrant>(&unique);
  sys.send(p, text{"mine"});
  probe->send(p, ping{});
  run();
  auto reply = probe->receive<pong>(0s);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->n, 1u);
  EXPECT_EQ(pids_of(unique.lookup("mine")), std::vector<pid>{p});
}

TEST_F(RegistryTest, AUniqueRegistryIsANameService) {
  pid a = spawn_idle(sys), b = spawn_idle(sys);
  name_service& names = unique;
  ASSERT_TRUE(names.register_name("svc", a));
  EXPECT_EQ(names.whereis("svc"), a);
  auto taken = names.register_name("svc", b);
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code(), errc::name_taken);
  names.unregister_name("svc", b);  // not the holder: no effect
  EXPECT_EQ(names.whereis("svc"), a);
  names.unregister_name("svc", a);
  EXPECT_FALSE(names.whereis("svc"));
  EXPECT_FALSE(names.whereis("never"));
}

TEST_F(RegistryTest, AViaNameResolvesThroughTheRegistry) {
  pid a = spawn_idle(sys);
  via name{&unique, "worker"};
  ASSERT_TRUE(name.service->register_name(name.name, a));
  EXPECT_EQ(name.service->whereis(name.name), a);
  sys.exit(a, exit_reason::kill());
  run();
  EXPECT_FALSE(name.service->whereis(name.name)) << "a dead process's name is released";
}

TEST_F(RegistryTest, ADuplicateRegistryRefusesToNameProcesses) {
  pid a = spawn_idle(sys);
  name_service& names = dup;
  auto r = names.register_name("svc", a);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::invalid_argument);
  EXPECT_FALSE(names.whereis("svc"));
}

TEST_F(RegistryTest, DestroyingTheRegistryStopsItsServer) {
  pid server;
  {
    registry<> reg(sys, registry_keys::unique);
    server = reg.server();
    run();
    EXPECT_TRUE(sys.alive(server));
  }
  run();
  EXPECT_FALSE(sys.alive(server));
}

// --- update_value, select, meta ---------------------------------------------------------------

TEST_F(RegistryTest, UpdateValueReplacesTheCallersValueAndGivesNewAndOld) {
  // Elixir Registry.update_value/3: "Updates the value for key for the current process in the
  // unique registry. Returns a {new_value, old_value} tuple".
  pid a = spawn_idle(sys);
  ASSERT_TRUE(unique.register_key(a, "hits", 1));
  auto r = unique.update_value(a, "hits", [](const int& n) { return n + 10; });
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, (std::pair<int, int>{11, 1}));
  EXPECT_EQ(unique.lookup("hits")[0].second, 11);
}

TEST_F(RegistryTest, UpdateValueOfAKeyTheProcessDoesNotHoldFails) {
  // Elixir: ":error if there is no such key assigned to the current process"; a non-unique
  // registry is an argument error.
  pid a = spawn_idle(sys), b = spawn_idle(sys);
  ASSERT_TRUE(unique.register_key(a, "k", 1));
  auto not_held = unique.update_value(b, "k", [](const int& n) { return n; });
  ASSERT_FALSE(not_held);
  EXPECT_EQ(not_held.error().code(), errc::not_found);
  EXPECT_EQ(unique.lookup("k")[0].second, 1);
  ASSERT_TRUE(dup.register_key(a, "k", 1));
  auto on_dup = dup.update_value(a, "k", [](const int& n) { return n; });
  ASSERT_FALSE(on_dup);
  EXPECT_EQ(on_dup.error().code(), errc::invalid_argument);
}

TEST_F(RegistryTest, SelectMatchesOnKeyPidAndValueTogether) {
  // Elixir Registry.select/2 matches {key, pid, value} with guards; here one predicate.
  pid a = spawn_idle(sys), b = spawn_idle(sys);
  ASSERT_TRUE(dup.register_key(a, "room:1", 5));
  ASSERT_TRUE(dup.register_key(b, "room:1", 50));
  ASSERT_TRUE(dup.register_key(a, "room:2", 70));
  ASSERT_TRUE(dup.register_key(a, "lobby", 90));
  auto big_rooms = dup.select([](std::string_view key, const pid&, const int& v) { return key.starts_with("room:") && v > 10; });
  std::vector<std::tuple<std::string, pid, int>> got;
  for (auto& m : big_rooms) got.emplace_back(m.key, m.owner, m.value);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::tuple<std::string, pid, int>>{{"room:1", b, 50}, {"room:2", a, 70}}));
  EXPECT_EQ(dup.count_select([&](std::string_view, const pid& p, const int&) { return p == a; }), 3u);
  EXPECT_TRUE(dup.select([](std::string_view, const pid&, const int&) { return false; }).empty());
}

TEST_F(RegistryTest, MetaKeepsRegistryWideValuesOfAnyType) {
  // Elixir Registry.put_meta/3 and meta/2: {:ok, value} once put, :error for an unknown key.
  unique.put_meta("owner", std::string("billing"));
  unique.put_meta("shards", 8);
  EXPECT_EQ(unique.meta<std::string>("owner"), "billing");
  EXPECT_EQ(unique.meta<int>("shards"), 8);
  EXPECT_FALSE(unique.meta<int>("owner")) << "another type reads as nothing";
  EXPECT_FALSE(unique.meta<int>("missing"));
  unique.put_meta("shards", 16);
  EXPECT_EQ(unique.meta<int>("shards"), 16);
  unique.delete_meta("shards");
  EXPECT_FALSE(unique.meta<int>("shards"));
}

/// A gen_server that does nothing: what a via-name is given to.
class idle_server : public gen_server {};

// Regression: the server's exit unregistered its name through the destroyed registry
// (use-after-free in gen_server::on_exit, found under ASan).
TEST(RegistryLifetimeTest, AViaNamedServerOutlivesItsRegistryAndStopsCleanly) {
  actor_system sys(actor_system_config{.node_name = "reg", .creation = 1, .deterministic = true});
  pid p;
  {
    registry<> names(sys, registry_keys::unique);
    auto started = start<idle_server>(sys, start_options::named(via{&names, "svc"}));
    ASSERT_TRUE(started) << started.error().message();
    p = *started;
    EXPECT_EQ(names.whereis("svc"), p);
  }  // the registry goes first, as its documentation asks; the server is still running
  sys.stepper()->run_until_idle();
  EXPECT_TRUE(sys.alive(p));
  sys.exit(p, exit_reason::shutdown());  // its on_exit unregisters "svc"
  sys.stepper()->run_until_idle();
  EXPECT_FALSE(sys.alive(p));
}

TEST(RegistryLifetimeTest, ARegistryMayOutliveItsActorSystem) {
  std::optional<registry<>> names;
  pid p;
  {
    actor_system sys(actor_system_config{.node_name = "reg", .creation = 1, .deterministic = true});
    names.emplace(sys, registry_keys::unique);
    auto started = start<idle_server>(sys, start_options::named(via{&*names, "svc"}));
    ASSERT_TRUE(started) << started.error().message();
    p = *started;
  }  // the node shuts down first: its processes, the registry's server among them, end
  EXPECT_FALSE(names->whereis("svc")) << "the server's exit released its name";
  auto late = names->register_key(p, "again");
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code(), errc::shutting_down);
  names.reset();  // must not touch the destroyed node
}

TEST(RegistryThreadedTest, AProcessFoundThroughWhereisAnswersABlockingCall) {
  actor_system sys(actor_system_config{.node_name = "reg", .threads = 1});  // the concurrency under test is between plain threads
  registry<> reg(sys, registry_keys::unique);
  pid server = sys.spawn([](actor&) -> behavior { return {[](const ping& p) { return pong{p.n + 1}; }}; });
  ASSERT_TRUE(reg.register_name("doubler", server));
  via name{&reg, "doubler"};
  auto target = name.service->whereis(name.name);
  ASSERT_TRUE(target);
  auto r = call<pong>(sys, *target, ping{41}, 5s);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->n, 42u);
}

TEST(RegistryThreadedTest, ReadersOnOtherThreadsSeeEveryWriteWhole) {
  actor_system sys(actor_system_config{.node_name = "reg", .threads = 1});  // the concurrency under test is between plain threads
  registry<std::pair<int, int>> reg(sys, registry_keys::duplicate, {.partitions = 4});
  scoped_actor writer(sys);
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::atomic<std::uint64_t> reads{0};
  auto reader = [&] {
    while (!done.load(std::memory_order_acquire)) {
      for (auto& [p, v] : reg.lookup("k"))
        if (v.first != v.second || p != writer.self()) torn.fetch_add(1);
      reads.fetch_add(1, std::memory_order_relaxed);
    }
  };
  // The writer keeps one other entry throughout, so the loop below is pure table writes: no
  // watch messages to the server (that traffic is covered by the deterministic tests).
  ASSERT_TRUE(reg.register_key(writer.self(), "anchor", {0, 0}));
  std::thread r1(reader), r2(reader);
  // Write until both readers have read plenty while writes were going on (deadline-bounded).
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  for (int i = 0; (i < 2000 || reads.load() < 2000) && std::chrono::steady_clock::now() < deadline; ++i) {
    ASSERT_TRUE(reg.register_key(writer.self(), "k", {i, i}));
    ASSERT_EQ(reg.lookup("k").size(), 1u) << "a write is visible as soon as it returns";
    ASSERT_EQ(reg.unregister(writer.self(), "k"), 1u);
  }
  done.store(true, std::memory_order_release);
  r1.join();
  r2.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GE(reads.load(), 2000u);
  EXPECT_TRUE(reg.lookup("k").empty());
}

TEST(RegistryThreadedTest, ConcurrentRegistrationsOfOneUniqueKeyHaveOneWinner) {
  actor_system sys(actor_system_config{.node_name = "reg", .threads = 1});  // the concurrency under test is between plain threads
  registry<> reg(sys, registry_keys::unique);
  std::vector<pid> contenders;
  for (int i = 0; i < 4; ++i) contenders.push_back(spawn_idle(sys));
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (auto p : contenders)
    threads.emplace_back([&, p] {
      if (reg.register_key(p, "leader")) wins.fetch_add(1);
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(reg.lookup("leader").size(), 1u);
}

}  // namespace
}  // namespace troupe
