/// Local runtime benchmarks: one-way throughput, ping-pong latency, spawn rate, idle memory.
///
/// Figures: local.send_u64, local.send_str64 (msgs/s), local.pingpong_p50, local.pingpong_p99
/// (µs), local.spawn (spawns/s), local.actor_bytes (bytes per idle actor).
/// Environment: TROUPE_BENCH_SCALE (default 1.0) scales message and actor counts down for quick runs.

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>

#include "bench/report.hpp"
#include "troupe/node/actor_system.hpp"
#include "troupe/node/scoped_actor.hpp"

namespace {

using namespace troupe;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

struct u64_msg {
  std::uint64_t v;
  MSGPACK_DEFINE(v);
};
struct str_msg {
  std::string v;
  MSGPACK_DEFINE(v);
};
struct go {
  std::uint64_t n;
  MSGPACK_DEFINE(n);
};
struct done {
  std::uint64_t n;
  MSGPACK_DEFINE(n);
};

}  // namespace

TROUPE_MESSAGE(u64_msg, "bench.u64");
TROUPE_MESSAGE(str_msg, "bench.str");
TROUPE_MESSAGE(go, "bench.go");
TROUPE_MESSAGE(done, "bench.done");

namespace {

double scale() {
  const char* s = std::getenv("TROUPE_BENCH_SCALE");
  return s ? std::atof(s) : 1.0;
}

/// Counts messages; tells `report_to` when `expected` arrived.
template <class Msg>
class sink final : public actor {
 public:
  sink(std::uint64_t expected, pid report_to) : expected_(expected), report_to_(report_to) {}

 protected:
  behavior make_behavior() override {
    return {[this](const Msg&) {
      if (++count_ == expected_) send(report_to_, done{count_});
    }};
  }

 private:
  std::uint64_t expected_;
  pid report_to_;
  std::uint64_t count_ = 0;
};

/// Sends `total` messages to `target` in chunks, yielding between chunks like a fair process.
template <class Msg, class Make>
class source final : public actor {
 public:
  source(pid target, std::uint64_t total, Make make) : target_(target), total_(total), make_(make) {}

 protected:
  behavior make_behavior() override {
    return {[this](const go&) {
      std::uint64_t end = std::min(sent_ + 4096, total_);
      for (; sent_ < end; ++sent_) send(target_, make_(sent_));
      if (sent_ < total_) send(self(), go{});
    }};
  }

 private:
  pid target_;
  std::uint64_t total_;
  Make make_;
  std::uint64_t sent_ = 0;
};

template <class Msg, class Make>
void one_way(const std::string& name, std::uint64_t total, Make make) {
  actor_system sys(actor_system_config{.node_name = "bench"});
  scoped_actor self(sys);
  pid rx = sys.spawn<sink<Msg>>(total, self.self());
  pid tx = sys.spawn<source<Msg, Make>>(rx, total, make);
  auto t0 = clock_type::now();
  sys.send(tx, go{});
  auto d = self->receive<done>(600s);
  double secs = bench::seconds_since(t0);
  if (!d) std::fprintf(stderr, "%s: timed out\n", name.c_str());
  bench::report(name, double(total) / secs, "msgs/s",
                "\"messages\": " + std::to_string(total) + ", \"threads\": " + std::to_string(sys.config().threads));
}

void pingpong(std::uint64_t rounds) {
  actor_system sys(actor_system_config{.node_name = "bench"});
  scoped_actor self(sys);
  pid report_to = self.self();
  auto samples = std::make_shared<std::vector<double>>();
  samples->reserve(rounds);
  pid ponger = sys.spawn([](actor& a) -> behavior { return {[&a](const u64_msg& m) { a.send(a.sender(), m); }}; });
  pid pinger = sys.spawn([=](actor& a) -> behavior {
    auto t = std::make_shared<clock_type::time_point>();
    return {[&a, ponger, t](const go&) {
              *t = clock_type::now();
              a.send(ponger, u64_msg{0});
            },
            [&a, ponger, t, samples, rounds, report_to](const u64_msg& m) {
              auto now = clock_type::now();
              samples->push_back(std::chrono::duration<double, std::micro>(now - *t).count());
              if (m.v + 1 == rounds) return a.send(report_to, done{rounds});
              *t = now;
              a.send(ponger, u64_msg{m.v + 1});
            }};
  });
  sys.send(pinger, go{});
  if (!self->receive<done>(600s)) std::fprintf(stderr, "pingpong: timed out\n");
  std::string extra = "\"rounds\": " + std::to_string(rounds);
  bench::report("local.pingpong_p50", bench::percentile(*samples, 50), "us", extra);
  bench::report("local.pingpong_p99", bench::percentile(*samples, 99), "us", extra);
}

struct idle_actor final : actor {
  std::atomic<std::uint64_t>* started;
  explicit idle_actor(std::atomic<std::uint64_t>* s) : started(s) {}
  void on_start() override { started->fetch_add(1, std::memory_order_relaxed); }
};

void spawn_and_memory(std::uint64_t count) {
  actor_system sys(actor_system_config{.node_name = "bench"});
  std::atomic<std::uint64_t> started{0};
  // Warm the allocator and the table so the memory figure is per actor, not start-up cost.
  for (int i = 0; i < 1000; ++i) sys.spawn<idle_actor>(&started);
  while (started.load() < 1000) std::this_thread::yield();
  std::size_t rss0 = bench::resident_bytes();
  auto t0 = clock_type::now();
  for (std::uint64_t i = 0; i < count; ++i) sys.spawn<idle_actor>(&started);
  while (started.load() < count + 1000) std::this_thread::yield();
  double secs = bench::seconds_since(t0);
  std::size_t rss1 = bench::resident_bytes();
  std::string extra = "\"actors\": " + std::to_string(count);
  bench::report("local.spawn", double(count) / secs, "spawns/s", extra);
  bench::report("local.actor_bytes", double(rss1 - rss0) / double(count), "bytes",
                extra + ", \"sizeof_actor\": " + std::to_string(sizeof(idle_actor)));
}

}  // namespace

int main() {
  const double s = scale();
  const auto n = [s](double base) { return std::max<std::uint64_t>(1000, std::uint64_t(base * s)); };
  one_way<u64_msg>("local.send_u64", n(10'000'000), [](std::uint64_t i) { return u64_msg{i}; });
  one_way<str_msg>("local.send_str64", n(10'000'000), [](std::uint64_t) { return str_msg{std::string(64, 'x')}; });
  pingpong(n(200'000));
  spawn_and_memory(n(1'000'000));
  return 0;
}
