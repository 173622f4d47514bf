/// ping_pong: measures message round trips across a running cluster.
///
///   ping_pong --nodes tcp://127.0.0.1:7101,tcp://127.0.0.1:7102 --cookie secret [--count 2000]
///
/// It starts an `echo` on one node and a `demo.pinger` on another (remote spawn by type name),
/// and has the pinger call the echo COUNT times in a row: each sample is one request crossing
/// the network and its answer coming back. Then it does the same from this program itself.
/// Prints p50 / p99 / mean / max per pair; exit status 0 when every ping was answered.

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "examples/demo_cluster.hpp"
#include "troupe/node/spawner.hpp"
#include "examples/demo_actors.hpp"

namespace {

using namespace troupe;
using namespace std::chrono_literals;

struct summary {
  double p50_us = 0, p99_us = 0, mean_us = 0, max_us = 0;
};

summary summarize(std::vector<std::int64_t> ns) {
  summary s;
  if (ns.empty()) return s;
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) { return ns[static_cast<std::size_t>(std::ceil(q * ns.size())) - 1] / 1000.0; };
  s.p50_us = at(0.50);
  s.p99_us = at(0.99);
  double sum = 0;
  for (auto v : ns) sum += v;
  s.mean_us = sum / ns.size() / 1000.0;
  s.max_us = ns.back() / 1000.0;
  return s;
}

/// Runs `count` pings from `pinger` to `target`, after a short warm-up (connections, type
/// interning). False if any ping went unanswered.
bool measure(actor_system& sys, const pid& pinger, const pid& target, std::uint32_t count, const std::string& label) {
  if (auto warm = call<demo::ping_stats>(sys, pinger, demo::ping_run{target, 100}, 30s); !warm) {
    std::printf("  %-32s failed: %s\n", label.c_str(), warm.error().message().c_str());
    return false;
  }
  auto r = call<demo::ping_stats>(sys, pinger, demo::ping_run{target, count}, std::chrono::seconds(10 + count / 100));
  if (!r) {
    std::printf("  %-32s failed: %s\n", label.c_str(), r.error().message().c_str());
    return false;
  }
  auto s = summarize(r->rtt_ns);
  std::printf("  %-32s %5zu pings  p50 %7.1f us  p99 %7.1f us  mean %7.1f us  max %8.1f us", label.c_str(),
              r->rtt_ns.size(), s.p50_us, s.p99_us, s.mean_us, s.max_us);
  if (r->failed) std::printf("  (%u unanswered)", r->failed);
  std::printf("\n");
  return r->failed == 0 && !r->rtt_ns.empty();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ping_pong: round trips between Troupe nodes"};
  demo::cluster_options opts;
  demo::add_cluster_flags(app, opts);
  std::uint32_t count = 2000;
  std::string from, to;
  app.add_option("--count", count, "pings per measurement")->check(CLI::Range(1u, 1000000u));
  app.add_option("--from", from, "node that runs the pinger (default: the first)");
  app.add_option("--to", to, "node that runs the echo (default: the second)");
  CLI11_PARSE(app, argc, argv);

  demo::register_demo_actors(nullptr);  // this program runs a pinger of its own
  auto c = demo::cluster::join("ping-pong", opts);
  if (!c) return demo::fail_with(c.error());
  auto members = (*c)->members();
  if (members.size() < 2 && (from.empty() || to.empty())) return demo::fail_with(error(errc::invalid_argument, "need two nodes"));
  if (from.empty()) from = members[0];
  if (to.empty()) to = members[1];
  std::printf("ping-pong: cluster of %zu nodes; pinging from %s to %s\n", members.size(), from.c_str(), to.c_str());

  auto echo = (*c)->spawn_on(to, "echo");
  if (!echo) return demo::fail_with(echo.error());
  auto remote_pinger = (*c)->spawn_on(from, "demo.pinger");
  if (!remote_pinger) return demo::fail_with(remote_pinger.error());
  std::printf("  echo on %s is %s; pinger on %s is %s\n\n", to.c_str(), echo->to_string().c_str(), from.c_str(),
              remote_pinger->to_string().c_str());

  auto& sys = (*c)->system();
  bool ok = measure(sys, *remote_pinger, *echo, count, from + " -> " + to + " (node to node)");
  auto local_pinger = (*c)->spawn_on(sys.node_name(), "demo.pinger");
  if (!local_pinger) return demo::fail_with(local_pinger.error());
  ok = measure(sys, *local_pinger, *echo, count, "this program -> " + to) && ok;
  return ok ? 0 : 1;
}
