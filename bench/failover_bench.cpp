/// Global supervisor benchmarks on real troupe-node processes (tests/support/troupe_cluster.hpp).
///
/// Failover: a fresh 3-node cluster per run runs one named counter; its owner gets SIGKILL (or
/// SIGSTOP), and the time is measured until the counter answers a call by its global name
/// through another node. Figures: global.failover_kill_p50_ms / _p99_ms and
/// global.failover_stop_p50_ms / _p99_ms with the default detector profile, the same with
/// _fast with the aggressive one (targets: p99 ≤ 2 s default, ≤ 0.5 s aggressive). Between
/// probes every live node is asked what it runs, twice (troupe_cluster::duplicates); after a
/// SIGSTOP the node is resumed and sampled too until it has stopped its stale copy.
/// global.duplicates_seen counts the children seen running on two nodes at once over every run
/// (must be 0).
///
/// Placement: 10,000 counters started through the three nodes in turn (one admin call each);
/// global.start_child_rate is children running per second from the first request until every
/// child runs (or a 120 s deadline: then "all_running" is false), global.spread_min / _max the
/// fewest and most children one node says it runs.
///
/// TROUPE_BENCH_SCALE scales the runs (default 20 per figure) and the number of children;
/// TROUPE_BENCH_CHILDREN sets the number of children; TROUPE_BENCH_ONLY=failover or =placement
/// runs one part.

#include <signal.h>

#include <cstdlib>
#include <string>

#include "bench/report.hpp"
#include "tests/support/troupe_cluster.hpp"

namespace {

using namespace troupe;
using namespace std::chrono_literals;
using test::troupe_cluster;
using clock_type = std::chrono::steady_clock;

double scale() {
  const char* s = std::getenv("TROUPE_BENCH_SCALE");
  return s ? std::atof(s) : 1.0;
}

std::size_t duplicates_seen = 0;

test::troupe_cluster_options cluster_options(bool fast, std::size_t nodes = 3) {
  return {.binary = TROUPE_NODE_BINARY, .nodes = nodes, .profile = fast ? "aggressive" : "default", .cookie = "bench"};
}

/// Samples duplicates until `done` holds or `timeout` passes; adds what it saw to the total.
template <class P>
bool sample_until(troupe_cluster& c, P done, std::chrono::milliseconds timeout) {
  std::set<std::string> seen;
  bool ok = troupe_cluster::eventually(
      [&] {
        for (auto& id : c.duplicates()) seen.insert(id);
        return done();
      },
      timeout, 0ms);
  duplicates_seen += seen.size();
  return ok;
}

/// One run: milliseconds from the signal to the first answer by name through a survivor.
std::optional<double> failover_run(bool fast, int sig) {
  troupe_cluster c(cluster_options(fast));
  if (auto r = c.start(); !r) {
    std::fprintf(stderr, "failover_bench: %s\n", r.error().message().c_str());
    return std::nullopt;
  }
  const std::vector<std::string> ids{"worker"};
  std::map<std::string, std::string> where;
  if (!c.start_counter(0, ids[0])) return std::nullopt;
  if (!troupe_cluster::eventually([&] { return c.settled(ids, &where) && c.counter_get(0, ids[0], 300); }, 20s))
    return std::nullopt;
  const auto owner = *c.index_of(where.at(ids[0]));
  const auto survivor = (owner + 1) % c.size();

  const auto t0 = clock_type::now();
  if (sig == SIGKILL) c.kill(owner);
  else c.pause(owner);
  std::optional<double> ms;
  sample_until(
      c,
      [&] {
        if (!c.counter_get(survivor, ids[0], 100)) return false;
        ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
        return true;
      },
      30s);
  if (sig == SIGSTOP) {
    c.resume(owner);
    // The resumed node must stop its stale copy; sampled for duplicates all along.
    sample_until(c, [&] { auto own = c.own_children(owner); return own && own->empty() && c.settled(ids); }, 30s);
  }
  return ms;
}

void failover(bool fast, int sig, int runs) {
  std::vector<double> ms;
  for (int r = 0; r < runs; ++r)
    if (auto d = failover_run(fast, sig)) ms.push_back(*d);
  const std::string what = sig == SIGKILL ? "kill" : "stop";
  const std::string suffix = fast ? "_fast" : "";
  const std::string extra = "\"runs\": " + std::to_string(ms.size()) + ", \"failed_runs\": " +
                            std::to_string(runs - int(ms.size())) + ", \"profile\": \"" +
                            (fast ? "aggressive" : "default") + "\", \"target_p99_ms\": " + (fast ? "500" : "2000");
  bench::report("global.failover_" + what + "_p50_ms" + suffix, bench::percentile(ms, 50), "ms", extra);
  bench::report("global.failover_" + what + "_p99_ms" + suffix, bench::percentile(ms, 99), "ms", extra);
}

void start_children(std::size_t count) {
  troupe_cluster c(cluster_options(false));
  if (auto r = c.start(); !r) {
    std::fprintf(stderr, "failover_bench: %s\n", r.error().message().c_str());
    return;
  }
  const auto t0 = clock_type::now();
  for (std::size_t k = 0; k < count; ++k)
    if (auto r = c.start_child(k % c.size(), admin_start_child{.id = "w" + std::to_string(k), .type = "counter"}); !r) {
      std::fprintf(stderr, "failover_bench: start_child: %s\n", r.error().message().c_str());
      return;
    }
  const double requests_s = bench::seconds_since(t0);
  // Each node is the authority on what it runs: count what each says it runs.
  std::vector<std::size_t> per_node(c.size(), 0);
  std::size_t running = 0;
  bool all = troupe_cluster::eventually(
      [&] {
        running = 0;
        for (std::size_t i = 0; i < c.size(); ++i) {
          auto own = c.own_children(i);
          per_node[i] = own ? own->size() : 0;
          running += per_node[i];
        }
        return running == count;
      },
      120s, 200ms);
  const double secs = bench::seconds_since(t0);
  if (!all)
    std::fprintf(stderr, "failover_bench: %zu of %zu children running after %.1f s\n", running, count, secs);
  const auto [lo, hi] = std::minmax_element(per_node.begin(), per_node.end());
  const std::string extra = "\"children\": " + std::to_string(count) + ", \"running\": " + std::to_string(running) +
                            ", \"nodes\": 3, \"all_running\": " + (all ? "true" : "false") +
                            ", \"seconds\": " + std::to_string(secs) + ", \"requests_s\": " + std::to_string(requests_s);
  // Children running per second from the first request (until all run, or the deadline).
  bench::report("global.start_child_rate", double(running) / secs, "children/s", extra);
  bench::report("global.spread_min", double(*lo), "children", extra);
  bench::report("global.spread_max", double(*hi), "children", extra);
}

}  // namespace

int main() {
  const std::string only = std::getenv("TROUPE_BENCH_ONLY") ? std::getenv("TROUPE_BENCH_ONLY") : "";
  if (only.empty() || only == "failover") {
    const int runs = std::max(3, int(20 * scale()));
    failover(false, SIGKILL, runs);
    failover(false, SIGSTOP, runs);
    failover(true, SIGKILL, runs);
    failover(true, SIGSTOP, runs);
    bench::report("global.duplicates_seen", double(duplicates_seen), "children",
                  "\"runs\": " + std::to_string(4 * runs));
  }
  if (only.empty() || only == "placement") {
    const char* n = std::getenv("TROUPE_BENCH_CHILDREN");
    start_children(n ? std::size_t(std::atol(n)) : std::max<std::size_t>(300, std::size_t(10000 * std::min(1.0, scale()))));
  }
  return 0;
}
