#include "troupe/node/process_table.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "troupe/node/actor.hpp"

namespace troupe {
namespace {

/// A process object that is never run: the table only stores and releases it.
struct parked final : actor {};

/// Every serial the table holds, through `with` and `snapshot`, must be what a std::map says.
void expect_same(process_table& t, const std::map<std::uint64_t, actor*>& model, std::uint64_t max_serial) {
  ASSERT_EQ(t.size(), model.size());
  for (std::uint64_t s = 0; s <= max_serial; ++s) {
    actor* seen = nullptr;
    bool found = t.with(s, [&](actor& a) { seen = &a; });
    auto it = model.find(s);
    ASSERT_EQ(found, it != model.end()) << "serial " << s;
    if (found) {
      ASSERT_EQ(seen, it->second) << "serial " << s;
    }
  }
  auto all = t.snapshot();
  EXPECT_EQ(all.size(), model.size());
  for (actor* a : all) intrusive_release(a);
}

TEST(ProcessTableTest, FindsWhatWasInsertedAndNothingElse) {
  process_table t;
  std::map<std::uint64_t, actor*> model;
  for (std::uint64_t s = 1; s <= 1000; ++s) {
    auto* a = new parked;
    t.insert(s, a);
    model[s] = a;
  }
  expect_same(t, model, 1100);
  EXPECT_FALSE(t.with(0, [](actor&) {})) << "serial 0 is never a process";
  EXPECT_FALSE(t.erase(0));
  EXPECT_FALSE(t.erase(5000));
  for (auto& [s, a] : model) ASSERT_TRUE(t.erase(s));  // releases the table's reference
  EXPECT_EQ(t.size(), 0u);
}

TEST(ProcessTableTest, RandomChurnMatchesAMap) {
  // Spawns in serial order and exits in random order, across growth and shrinking: the
  // backward-shift deletion must never lose an entry whose probe run crossed the hole.
  process_table t;
  std::map<std::uint64_t, actor*> model;
  std::mt19937_64 rng(18);
  std::uint64_t next = 1;
  for (int round = 0; round < 20; ++round) {
    int spawns = int(rng() % 3000);
    for (int i = 0; i < spawns; ++i) {
      auto* a = new parked;
      t.insert(next, a);
      model[next++] = a;
    }
    std::vector<std::uint64_t> live;
    for (auto& [s, a] : model) live.push_back(s);
    std::shuffle(live.begin(), live.end(), rng);
    live.resize(live.size() * (rng() % 100) / 100);
    for (auto s : live) {
      ASSERT_TRUE(t.erase(s));
      model.erase(s);
    }
    expect_same(t, model, next);
  }
  for (auto& [s, a] : model) ASSERT_TRUE(t.erase(s));
  EXPECT_EQ(t.size(), 0u);
}

TEST(ProcessTableTest, ConcurrentInsertLookupAndEraseAgree) {
  process_table t;
  constexpr int threads = 4, per_thread = 20000;
  std::vector<std::thread> workers;
  for (int w = 0; w < threads; ++w) {
    workers.emplace_back([&t, w] {
      for (int i = 0; i < per_thread; ++i) {
        std::uint64_t s = std::uint64_t(i) * threads + w + 1;  // disjoint serials per thread
        auto* a = new parked;
        t.insert(s, a);
        actor* seen = nullptr;
        EXPECT_TRUE(t.with(s, [&](actor& x) { seen = &x; }));
        EXPECT_EQ(seen, a);
        if (i % 2 == 0) {
          EXPECT_TRUE(t.erase(s));
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(t.size(), std::size_t(threads * per_thread / 2));
  for (actor* a : t.snapshot()) intrusive_release(a);
  for (int w = 0; w < threads; ++w)
    for (int i = 1; i < per_thread; i += 2) EXPECT_TRUE(t.erase(std::uint64_t(i) * threads + w + 1));
  EXPECT_EQ(t.size(), 0u);
}

}  // namespace
}  // namespace troupe
