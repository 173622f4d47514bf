/// Cluster benchmarks: failure detection times with real processes, and membership traffic.
///
/// Figures: cluster.detect_kill_p50_ms / _p99_ms and cluster.detect_stop_p50_ms / _p99_ms
/// (default profile), the same with _fast (aggressive profile): time from SIGKILL / SIGSTOP of a
/// troupe-node process until every survivor (two nodes in this process) has lost it.
/// cluster.idle_bytes_per_node_5 / _16: bytes per second each node sends when idle.
/// TROUPE_BENCH_SCALE scales the number of runs (default 20 per figure).

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "bench/report.hpp"
#include "troupe/cluster/cluster_node.hpp"
#include "tests/support/child_process.hpp"

namespace {

using namespace troupe;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

double scale() {
  const char* s = std::getenv("TROUPE_BENCH_SCALE");
  return s ? std::atof(s) : 1.0;
}

transport::transport_config profile(bool fast) {
  auto c = fast ? transport::transport_config::aggressive() : transport::transport_config::defaults();
  c.cookie = "bench";
  return c;
}

/// One run: start a victim process, connect two survivors, signal it, time until both lose it.
std::optional<double> detection_run(const std::vector<std::unique_ptr<cluster_node>>& survivors, bool fast, int sig, int run) {
  std::string name = "victim-" + std::to_string(::getpid()) + "-" + std::to_string(run) + (fast ? "f" : "d") + std::to_string(sig);
  test::child_process victim({TROUPE_NODE_BINARY, "--name", name, "--listen", "tcp://127.0.0.1:*", "--seeds",
                              survivors[0]->address(), "--cookie", "bench", "--profile", fast ? "aggressive" : "default",
                              "--threads", "1", "--log-level", "error"});
  if (!victim.read_line(10s)) return std::nullopt;
  for (auto& s : survivors)
    if (!s->net().wait_connected(name, 10s)) return std::nullopt;
  std::this_thread::sleep_for(fast ? 300ms : 1s);  // let the detectors learn the heartbeat rhythm
  // Handlers cannot be removed from the transport, so they hold their state by shared_ptr.
  struct run_state {
    std::string name;
    std::mutex m;
    std::condition_variable cv;
    std::vector<clock_type::time_point> when;
    std::size_t lost = 0;
  };
  auto st = std::make_shared<run_state>();
  st->name = name;
  st->when.resize(survivors.size());
  for (std::size_t i = 0; i < survivors.size(); ++i)
    survivors[i]->net().on_peer_event([st, i](const transport::peer_event& ev) {
      if (ev.name != st->name || ev.up) return;
      std::lock_guard lock(st->m);
      st->when[i] = clock_type::now();
      ++st->lost;
      st->cv.notify_all();
    });
  auto t0 = clock_type::now();
  victim.signal(sig);
  std::unique_lock lock(st->m);
  bool all = st->cv.wait_for(lock, 10s, [&] { return st->lost >= survivors.size(); });
  if (sig == SIGSTOP) victim.signal(SIGCONT);
  if (!all) return std::nullopt;
  auto last = *std::max_element(st->when.begin(), st->when.end());
  return std::chrono::duration<double, std::milli>(last - t0).count();
}

void detection(bool fast, int sig, int runs) {
  // Handlers registered by earlier runs stay, but ignore other names; fresh survivors per figure.
  std::vector<std::unique_ptr<cluster_node>> survivors;
  for (int i = 0; i < 2; ++i) {
    node_config cfg{.name = "survivor" + std::to_string(i) + "-" + std::to_string(::getpid()) + (fast ? "f" : "d") +
                            std::to_string(sig),
                    .threads = 1};
    cfg.transport = profile(fast);
    if (i > 0) cfg.seeds = {survivors[0]->address()};
    survivors.push_back(std::move(*cluster_node::start(cfg)));
  }
  std::vector<double> ms;
  for (int r = 0; r < runs; ++r)
    if (auto d = detection_run(survivors, fast, sig, r)) ms.push_back(*d);
  std::string what = sig == SIGKILL ? "kill" : "stop";
  std::string suffix = fast ? "_fast" : "";
  std::string extra = "\"runs\": " + std::to_string(ms.size()) + ", \"profile\": \"" + (fast ? "aggressive" : "default") + "\"";
  bench::report("cluster.detect_" + what + "_p50_ms" + suffix, bench::percentile(ms, 50), "ms", extra);
  bench::report("cluster.detect_" + what + "_p99_ms" + suffix, bench::percentile(ms, 99), "ms", extra);
}

void idle_traffic(std::size_t n) {
  std::vector<std::unique_ptr<cluster_node>> nodes;
  for (std::size_t i = 0; i < n; ++i) {
    node_config cfg{.name = "idle" + std::to_string(n) + "-" + std::to_string(i), .threads = 1};
    cfg.transport = profile(false);
    if (i > 0) cfg.seeds = {nodes[0]->address()};
    nodes.push_back(std::move(*cluster_node::start(cfg)));
  }
  auto deadline = clock_type::now() + 30s;
  for (auto& nd : nodes)
    while (nd->membership().reachable().size() < n && clock_type::now() < deadline) std::this_thread::sleep_for(10ms);
  auto bytes = [&] {
    std::uint64_t b = 0;
    for (auto& nd : nodes) b += nd->net().stats().bytes_out.load();
    return b;
  };
  std::uint64_t b0 = bytes();
  auto t0 = clock_type::now();
  std::this_thread::sleep_for(3s);  // the measurement window itself
  double secs = bench::seconds_since(t0);
  double per_node = double(bytes() - b0) / secs / double(n);
  bench::report("cluster.idle_bytes_per_node_" + std::to_string(n), per_node, "bytes/s",
                "\"nodes\": " + std::to_string(n));
}

}  // namespace

int main() {
  int runs = std::max(3, int(20 * scale()));
  detection(false, SIGKILL, runs);
  detection(false, SIGSTOP, runs);
  detection(true, SIGKILL, runs);
  detection(true, SIGSTOP, runs);
  idle_traffic(5);
  idle_traffic(16);
  return 0;
}
