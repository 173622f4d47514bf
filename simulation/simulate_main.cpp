// troupe-simulate: runs simulation seeds, one line each, and stops at the first failing seed
// with a readable report. See docs/simulation.md.

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <spdlog/spdlog.h>

#include "troupe/node/log.hpp"
#include "simulation/run.hpp"

namespace {

void report(const troupe::sim::run_result& r, bool everything) {
  std::printf("\nseed %llu FAILED (%zu nodes)\n", static_cast<unsigned long long>(r.seed), r.nodes);
  std::printf("\nviolations:\n");
  for (auto& v : r.violations) std::printf("  - %s\n", v.c_str());
  if (!r.notes.empty()) std::printf("\nnotes:\n");
  for (auto& n : r.notes) std::printf("  - %s\n", n.c_str());
  std::printf("\nfaults:\n");
  for (auto& f : r.faults) std::printf("  %s\n", f.c_str());
  const std::size_t tail = everything ? r.events.size() : std::min<std::size_t>(r.events.size(), 60);
  std::printf("\nhistory%s:\n", everything ? "" : " (last 60 events; --verbose for all)");
  for (std::size_t i = r.events.size() - tail; i < r.events.size(); ++i) std::printf("  %s\n", r.events[i].c_str());
  std::printf("\nreproduce: tools/simulate --seed %llu --verbose\n", static_cast<unsigned long long>(r.seed));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Runs deterministic simulation seeds of a Troupe cluster and reports the first failing one."};
  std::uint64_t from = 1, count = 100, seed = 0;
  bool verbose = false, twice = false;
  std::size_t nodes = 0;
  double faults_s = 20, quiet_s = 15, join_s = 0;
  std::string log_level = "off";
  app.add_option("--seeds", count, "How many seeds to run");
  app.add_option("--from", from, "First seed");
  auto* one = app.add_option("--seed", seed, "Run this one seed");
  app.add_flag("--verbose", verbose, "Print the whole history of the run (with --seed)");
  app.add_flag("--determinism", twice, "Run each seed twice and fail if the two traces differ");
  app.add_option("--nodes", nodes, "Nodes per run (default: 3 to 5, from the seed)");
  app.add_option("--faults", faults_s, "Virtual seconds of faults and workload");
  app.add_option("--quiet", quiet_s, "Virtual seconds after the heal before the checks");
  app.add_option("--join-at", join_s, "Virtual second at which one more node joins, seeded with the first (0: none)");
  app.add_option("--log-level", log_level, "Runtime log level (off, error, warn, info, debug)");
  CLI11_PARSE(app, argc, argv);
  troupe::log()->set_level(spdlog::level::from_str(log_level));
  if (*one) from = seed, count = 1;

  troupe::sim::run_options options;
  options.nodes = nodes;
  options.faults = std::chrono::duration_cast<troupe::duration>(std::chrono::duration<double>(faults_s));
  options.quiet = std::chrono::duration_cast<troupe::duration>(std::chrono::duration<double>(quiet_s));
  options.join_at = std::chrono::duration_cast<troupe::duration>(std::chrono::duration<double>(join_s));
  auto begin = std::chrono::steady_clock::now();
  for (std::uint64_t s = from; s < from + count; ++s) {
    std::printf("seed %llu ", static_cast<unsigned long long>(s));
    std::fflush(stdout);  // if the run aborts, the seed is on screen
    auto t0 = std::chrono::steady_clock::now();
    auto r = troupe::sim::run_seed(s, options);
    if (twice && r.ok()) {
      auto again = troupe::sim::run_seed(s, options);
      if (again.trace_hash != r.trace_hash)
        r.violations.push_back("not deterministic: two runs of this seed gave traces " + std::to_string(r.trace_hash) +
                               " and " + std::to_string(again.trace_hash));
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%s  %zu nodes, %zu faults, %llu steps, trace %016llx, %.2f s\n", r.ok() ? "ok" : "FAILED", r.nodes,
                r.faults.size(), static_cast<unsigned long long>(r.steps), static_cast<unsigned long long>(r.trace_hash),
                secs);
    if (!r.ok() || (verbose && *one)) {
      report(r, verbose);
      if (!r.ok()) return 1;
    }
  }
  double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  std::printf("%llu seeds passed in %.1f s (%.2f seeds/s)\n", static_cast<unsigned long long>(count), total,
              static_cast<double>(count) / total);
  return 0;
}
