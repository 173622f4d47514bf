/// PartitionSupervisor benchmark: start_child throughput from two plain threads, through a
/// partition supervisor of two dynamic supervisors (each thread's key routes to its own
/// partition) against one dynamic supervisor shared by both threads, in the same run.
///
/// Figures: otp.partition_sup_start_child_2t, otp.dynamic_sup_start_child_2t (starts/s summed
/// over both threads; each start is a blocking start_child of an idle plain actor).
/// Environment: TROUPE_BENCH_SCALE (default 1.0) scales the duration.

#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

#include "bench/report.hpp"
#include "troupe/node/behaviour/dynamic_supervisor.hpp"
#include "troupe/node/behaviour/partition_supervisor.hpp"
#include "troupe/node/behaviour/start_link.hpp"

namespace {

using namespace troupe;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

class idle_worker : public actor {};

double scale() {
  const char* s = std::getenv("TROUPE_BENCH_SCALE");
  return s ? std::atof(s) : 1.0;
}

/// Two threads start children for a second through `sup_for(thread)`; reports starts/s.
template <class SupFor>
void measure(actor_system& sys, const std::string& name, SupFor sup_for) {
  const auto run_for = std::chrono::duration_cast<clock_type::duration>(1s * scale());
  std::atomic<bool> go{false};
  std::atomic<std::uint64_t> total{0}, failed{0};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      pid sup = sup_for(t);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      std::uint64_t n = 0, bad = 0;
      for (auto end = clock_type::now() + run_for; clock_type::now() < end; ++n)
        bad += dynamic_supervisor::start_child(sys, sup, child_spec::actor_of<idle_worker>("")) ? 0 : 1;
      total.fetch_add(n);
      failed.fetch_add(bad);
    });
  auto t0 = clock_type::now();
  go.store(true, std::memory_order_release);
  for (auto& t : threads) t.join();
  double secs = bench::seconds_since(t0);
  if (failed.load()) std::fprintf(stderr, "%s: %llu failed starts\n", name.c_str(), (unsigned long long)failed.load());
  bench::report(name, double(total.load()) / secs, "starts/s", "\"threads\": 2");
}

}  // namespace

int main() {
  {
    actor_system sys(actor_system_config{.node_name = "bench", .threads = 2});
    auto parts = partition_supervisor::start(sys, {.partitions = 2}, [](std::size_t i) {
      return child_spec::supervisor_of<dynamic_supervisor>(std::to_string(i));
    });
    if (!parts) return 1;
    measure(sys, "otp.partition_sup_start_child_2t", [&](unsigned t) { return parts->route(t); });
    sys.shutdown();
  }
  {
    actor_system sys(actor_system_config{.node_name = "bench", .threads = 2});
    auto sup = start<dynamic_supervisor>(sys, dynamic_supervisor_flags{});
    if (!sup) return 1;
    measure(sys, "otp.dynamic_sup_start_child_2t", [&](unsigned) { return *sup; });
    sys.shutdown();
  }
}
