/// The classic Agent example: a configuration cache that any thread or process reads and updates,
/// with the agent serializing every change (Elixir's `Agent` docs, "a simple bucket").

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "troupe/node/behaviour/agent.hpp"
#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using test::ping;
using test::text;
using namespace std::chrono_literals;

using settings = std::map<std::string, std::string>;

/// A read, as text: the value, "<none>" for a missing key, or the error code.
std::string shown(const result<std::optional<std::string>>& r) {
  if (!r) return to_string(r.error().code());
  return r->value_or("<none>");
}

/// The user-side module around the agent, as one writes `defmodule ConfigCache` around Agent.
class config_cache {
 public:
  static result<config_cache> start(actor_system& sys, settings initial) {
    auto a = agent<settings>::start(sys, [initial] { return initial; }, {.name = via{&sys.local_names(), "config"}});
    if (!a) return std::unexpected(a.error());
    return config_cache(sys, *a);
  }
  /// The cache registered as "config", wherever it runs on this node.
  static std::optional<config_cache> find(actor_system& sys) {
    auto p = sys.whereis("config");
    if (!p) return std::nullopt;
    return config_cache(sys, agent<settings>(*p));
  }

  result<std::optional<std::string>> get(const std::string& key) const {
    return agent_.get(*sys_, [key](const settings& s) -> std::optional<std::string> {
      auto it = s.find(key);
      return it == s.end() ? std::nullopt : std::optional(it->second);
    });
  }
  result<void> put(std::string key, std::string value) const {
    return agent_.update(*sys_, [key = std::move(key), value = std::move(value)](settings& s) { s[key] = value; });
  }
  /// Replaces everything; gives the settings it replaced.
  result<settings> reload(settings fresh) const {
    return agent_.get_and_update(*sys_, [fresh = std::move(fresh)](settings& s) { return std::exchange(s, fresh); });
  }
  result<void> stop() const { return agent_.stop(*sys_); }
  [[nodiscard]] const agent<settings>& handle() const { return agent_; }

 private:
  config_cache(actor_system& sys, agent<settings> a) : sys_(&sys), agent_(a) {}
  actor_system* sys_;
  agent<settings> agent_;
};

class ConfigCacheTest : public ::testing::Test {
 protected:
  // One scheduler thread: the concurrency under test is between plain threads and the agent.
  actor_system sys{actor_system_config{.node_name = "config", .threads = 1}};
};

TEST_F(ConfigCacheTest, ReadsSeeTheSettingsTheCacheStartedWith) {
  auto cache = config_cache::start(sys, {{"port", "8080"}});
  ASSERT_TRUE(cache);
  EXPECT_EQ(shown(cache->get("port")), "8080");
  EXPECT_EQ(shown(cache->get("missing")), "<none>");
}

TEST_F(ConfigCacheTest, AnUpdateIsSeenByEveryLaterReadFromAnyThread) {
  auto cache = config_cache::start(sys, {});
  ASSERT_TRUE(cache);
  ASSERT_TRUE(cache->put("mode", "blue"));
  std::string seen;
  std::thread reader([&] { seen = shown(config_cache::find(sys)->get("mode")); });
  reader.join();
  EXPECT_EQ(seen, "blue");
}

TEST_F(ConfigCacheTest, ConcurrentWritersLoseNoUpdate) {
  auto cache = config_cache::start(sys, {{"hits", "0"}});
  ASSERT_TRUE(cache);
  auto bump = [](settings& s) { s["hits"] = std::to_string(std::stoi(s["hits"]) + 1); };
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w)
    writers.emplace_back([&] {
      for (int i = 0; i < 50; ++i) ASSERT_TRUE(cache->handle().update(sys, bump));
    });
  for (auto& t : writers) t.join();
  EXPECT_EQ(shown(cache->get("hits")), "200");
}

TEST_F(ConfigCacheTest, ReloadSwapsEverythingAndGivesTheOldSettings) {
  auto cache = config_cache::start(sys, {{"a", "1"}});
  ASSERT_TRUE(cache);
  auto old = cache->reload({{"b", "2"}});
  ASSERT_TRUE(old);
  EXPECT_EQ(*old, (settings{{"a", "1"}}));
  EXPECT_EQ(shown(cache->get("a")), "<none>");
  EXPECT_EQ(shown(cache->get("b")), "2");
}

TEST_F(ConfigCacheTest, OnlyOneCacheCanHoldTheName) {
  auto first = config_cache::start(sys, {});
  ASSERT_TRUE(first);
  auto second = config_cache::start(sys, {});
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code(), errc::name_taken);
}

TEST_F(ConfigCacheTest, StoppingTheCacheReleasesItsName) {
  auto cache = config_cache::start(sys, {});
  ASSERT_TRUE(cache);
  ASSERT_TRUE(cache->stop());
  EXPECT_FALSE(config_cache::find(sys));
  EXPECT_TRUE(config_cache::start(sys, {}));
}

class ConfigCacheInActorsTest : public test::deterministic_fixture {};

TEST_F(ConfigCacheInActorsTest, AProcessStartsAndReadsTheCacheWithoutBlocking) {
  std::vector<std::string> log;
  pid app = sys.spawn([&log](actor& self) -> behavior {
    auto cache = std::make_shared<std::optional<agent<settings>>>();
    return {[&self, &log, cache](const ping&) {
      if (!*cache) cache->emplace(*agent<settings>::start_link(self, [] { return settings{{"theme", "dark"}}; }));
      (*cache)->cast(self, [](settings& s) { s["theme"] = "light"; });
      (*cache)->get(self, [](const settings& s) { return s.at("theme"); }, 1s,
                    [&log](result<std::string> r) { log.push_back(r ? *r : "error"); });
      log.push_back("asked");
    }};
  });
  sys.send(app, ping{});
  run();
  EXPECT_EQ(log, (std::vector<std::string>{"asked", "light"}));
}

}  // namespace
}  // namespace troupe
