/// Registry benchmarks: lookup throughput from plain threads, and register/unregister pairs.
///
/// Figures: otp.registry_lookup_1t, otp.registry_lookup_2t (lookups/s summed over 1 and 2 reader
/// threads, 10k unique keys held by 100 processes, uniformly random keys),
/// otp.registry_register_unregister (register + unregister pairs/s of one process, on the same
/// 10k-key registry).
/// Environment: TROUPE_BENCH_SCALE (default 1.0) scales durations and counts down for quick runs.

#include <atomic>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/report.hpp"
#include "troupe/node/actor_system.hpp"
#include "troupe/node/scoped_actor.hpp"
#include "troupe/registry/registry.hpp"

namespace {

using namespace troupe;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr std::size_t key_count = 10'000;
constexpr std::size_t holders = 100;

double scale() {
  const char* s = std::getenv("TROUPE_BENCH_SCALE");
  return s ? std::atof(s) : 1.0;
}

std::vector<std::string> make_keys() {
  std::vector<std::string> keys;
  keys.reserve(key_count);
  for (std::size_t i = 0; i < key_count; ++i) keys.push_back("worker:" + std::to_string(i));
  return keys;
}

/// Fills `reg` with every key, spread over `holders` idle processes.
void fill(actor_system& sys, registry<int>& reg, const std::vector<std::string>& keys) {
  std::vector<pid> owners;
  for (std::size_t i = 0; i < holders; ++i)
    owners.push_back(sys.spawn([](actor&) -> behavior { return {[](const down_msg&) {}}; }));
  for (std::size_t i = 0; i < keys.size(); ++i)
    if (!reg.register_key(owners[i % holders], keys[i], int(i))) std::fprintf(stderr, "register failed\n");
}

void lookups(registry<int>& reg, const std::vector<std::string>& keys, unsigned threads) {
  const auto run_for = std::chrono::duration_cast<clock_type::duration>(1s * scale());
  std::atomic<bool> go{false};
  std::atomic<std::uint64_t> total{0};
  std::atomic<std::uint64_t> misses{0};
  std::vector<std::thread> readers;
  for (unsigned t = 0; t < threads; ++t)
    readers.emplace_back([&, t] {
      std::mt19937_64 rng(t + 1);
      std::uniform_int_distribution<std::size_t> pick(0, keys.size() - 1);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      std::uint64_t n = 0, miss = 0;
      auto end = clock_type::now() + run_for;
      while (clock_type::now() < end) {
        for (int i = 0; i < 256; ++i, ++n) miss += reg.lookup(keys[pick(rng)]).empty() ? 1 : 0;
      }
      total.fetch_add(n);
      misses.fetch_add(miss);
    });
  auto t0 = clock_type::now();
  go.store(true, std::memory_order_release);
  for (auto& r : readers) r.join();
  double secs = bench::seconds_since(t0);
  if (misses.load()) std::fprintf(stderr, "lookup: %llu misses\n", (unsigned long long)misses.load());
  bench::report("otp.registry_lookup_" + std::to_string(threads) + "t", double(total.load()) / secs, "lookups/s",
                "\"keys\": " + std::to_string(keys.size()) + ", \"threads\": " + std::to_string(threads));
}

void register_unregister(actor_system& sys, registry<int>& reg) {
  scoped_actor self(sys);
  const auto pairs = static_cast<std::uint64_t>(100'000 * scale());
  std::vector<std::string> keys;
  for (std::uint64_t i = 0; i < 1024; ++i) keys.push_back("session:" + std::to_string(i));
  auto t0 = clock_type::now();
  for (std::uint64_t i = 0; i < pairs; ++i) {
    const auto& k = keys[i % keys.size()];
    if (!reg.register_key(self.self(), k, int(i))) std::fprintf(stderr, "register failed\n");
    reg.unregister(self.self(), k);
  }
  double secs = bench::seconds_since(t0);
  bench::report("otp.registry_register_unregister", double(pairs) / secs, "pairs/s",
                "\"keys\": " + std::to_string(key_count) + ", \"pairs\": " + std::to_string(pairs));
}

}  // namespace

int main() {
  actor_system sys(actor_system_config{.node_name = "bench", .threads = 1});
  registry<int> reg(sys, registry_keys::unique);
  auto keys = make_keys();
  fill(sys, reg, keys);
  lookups(reg, keys, 1);
  lookups(reg, keys, 2);
  register_unregister(sys, reg);
  return 0;
}
