/// Shared table benchmarks: lookup throughput from plain threads against a mutex-guarded
/// std::unordered_map measured in the same run, and insert throughput.
///
/// Figures: ets.lookup_1t, ets.lookup_2t (lookups/s summed over the threads; a public set with
/// read_concurrency and write_concurrency, 10k integer keys, uniformly random keys),
/// ets.lookup_mutex_map_2t (the same lookups on a std::unordered_map behind one std::mutex),
/// ets.insert_1t (inserts/s of fresh keys into an empty table, one thread).
/// Environment: TROUPE_BENCH_SCALE (default 1.0) scales durations and counts down.

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bench/report.hpp"
#include "troupe/node/actor_system.hpp"
#include "troupe/node/scoped_actor.hpp"
#include "troupe/node/table/ets_table.hpp"

namespace {

using namespace troupe;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using table = ets_table<std::uint64_t, std::uint64_t>;

constexpr std::uint64_t key_count = 10'000;

double scale() {
  const char* s = std::getenv("TROUPE_BENCH_SCALE");
  return s ? std::atof(s) : 1.0;
}

/// A cheap random key stream (xorshift), so the generator does not dominate the figure.
struct key_stream {
  std::uint64_t x;
  std::uint64_t next() noexcept {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x % key_count;
  }
};

/// Runs `lookup(key)` from `threads` threads for a second; reports lookups/s summed.
template <class Lookup>
void measure(const std::string& name, unsigned threads, Lookup lookup) {
  const auto run_for = std::chrono::duration_cast<clock_type::duration>(1s * scale());
  std::atomic<bool> go{false};
  std::atomic<std::uint64_t> total{0}, misses{0};
  std::vector<std::thread> readers;
  for (unsigned t = 0; t < threads; ++t)
    readers.emplace_back([&, t] {
      key_stream keys{0x9E3779B97F4A7C15ull * (t + 1)};
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      std::uint64_t n = 0, miss = 0;
      for (auto end = clock_type::now() + run_for; clock_type::now() < end;)
        for (int i = 0; i < 256; ++i, ++n) miss += lookup(keys.next()) ? 0 : 1;
      total.fetch_add(n);
      misses.fetch_add(miss);
    });
  auto t0 = clock_type::now();
  go.store(true, std::memory_order_release);
  for (auto& r : readers) r.join();
  double secs = bench::seconds_since(t0);
  if (misses.load()) std::fprintf(stderr, "%s: %llu misses\n", name.c_str(), (unsigned long long)misses.load());
  bench::report(name, double(total.load()) / secs, "lookups/s",
                "\"keys\": " + std::to_string(key_count) + ", \"threads\": " + std::to_string(threads));
}

table_options concurrent() {
  return {.access = table_access::public_, .read_concurrency = true, .write_concurrency = true};
}

void table_lookups(actor_system& sys, const pid& owner) {
  auto t = table::create(sys, owner, concurrent());
  for (std::uint64_t k = 0; k < key_count; ++k) (void)t->insert(owner, k, k);
  for (unsigned threads : {1u, 2u})
    measure("ets.lookup_" + std::to_string(threads) + "t", threads,
            [&](std::uint64_t k) { return t->find(owner, k)->has_value(); });
}

void mutex_map_lookups() {
  std::mutex m;
  std::unordered_map<std::uint64_t, std::uint64_t> map;
  for (std::uint64_t k = 0; k < key_count; ++k) map.emplace(k, k);
  measure("ets.lookup_mutex_map_2t", 2, [&](std::uint64_t k) {
    std::lock_guard g(m);
    auto it = map.find(k);
    return it != map.end() && it->second == k;
  });
}

void inserts(actor_system& sys, const pid& owner) {
  auto t = table::create(sys, owner, concurrent());
  const auto n = static_cast<std::uint64_t>(1'000'000 * scale());
  auto t0 = clock_type::now();
  for (std::uint64_t k = 0; k < n; ++k) (void)t->insert(owner, k, k);
  double secs = bench::seconds_since(t0);
  bench::report("ets.insert_1t", double(n) / secs, "inserts/s", "\"objects\": " + std::to_string(n));
}

}  // namespace

int main() {
  actor_system sys(actor_system_config{.node_name = "bench", .threads = 1});
  scoped_actor owner(sys);
  table_lookups(sys, owner.self());
  mutex_map_lookups();
  inserts(sys, owner.self());
  sys.shutdown();
}
