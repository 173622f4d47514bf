/// Local runtime benchmarks: one-way throughput, ping-pong latency, spawn rate, idle memory.
///
/// Figures: local.send_u64, local.send_str64 (msgs/s), local.pingpong_p50, local.pingpong_p99
/// (µs), local.spawn (spawns/s from a plain thread), local.spawn_in_process (spawns/s from a
/// process, as Erlang's dbench spawn loop does), local.actor_bytes (bytes per idle actor, with the
/// sizeof of its parts). A spawn counts once the child has run its first turn (on_start).
/// Environment: TROUPE_BENCH_SCALE (default 1.0) scales message and actor counts down for quick runs;
/// TROUPE_BENCH_ONLY=send_u64|send_str64|pingpong|spawn|spawn_in_process runs one part (for a profiler);
/// TROUPE_BENCH_THREADS sets the scheduler threads (default: one per core).

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

/// TROUPE_BENCH_THREADS overrides the scheduler's thread count (default: one per core).
actor_system_config config() {
  const char* t = std::getenv("TROUPE_BENCH_THREADS");
  return actor_system_config{.node_name = "bench", .threads = t ? std::size_t(std::atoi(t)) : 0};
}

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
  actor_system sys(config());
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
  actor_system sys(config());
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

/// Waits until `target` actors have started, at most 600 s; false on timeout.
bool wait_started(const std::atomic<std::uint64_t>& started, std::uint64_t target, const char* what) {
  auto deadline = clock_type::now() + 600s;
  while (started.load() < target) {
    if (clock_type::now() > deadline) {
      std::fprintf(stderr, "%s: timed out\n", what);
      return false;
    }
    std::this_thread::yield();
  }
  return true;
}

void spawn_and_memory(std::uint64_t count) {
  actor_system sys(config());
  std::atomic<std::uint64_t> started{0};
  // Warm the allocator and the table so the memory figure is per actor, not start-up cost.
  for (int i = 0; i < 1000; ++i) sys.spawn<idle_actor>(&started);
  wait_started(started, 1000, "spawn warm-up");
  std::size_t rss0 = bench::resident_bytes();
  auto t0 = clock_type::now();
  for (std::uint64_t i = 0; i < count; ++i) sys.spawn<idle_actor>(&started);
  wait_started(started, count + 1000, "local.spawn");
  double secs = bench::seconds_since(t0);
  std::size_t rss1 = bench::resident_bytes();
  std::string extra = "\"actors\": " + std::to_string(count);
  bench::report("local.spawn", double(count) / secs, "spawns/s", extra);
  bench::report("local.actor_bytes", double(rss1 - rss0) / double(count), "bytes",
                extra + ", \"sizeof_actor\": " + std::to_string(sizeof(idle_actor)) +
                    ", \"sizeof_actor_base\": " + std::to_string(sizeof(actor)) +
                    ", \"sizeof_mailbox\": " + std::to_string(sizeof(mailbox)) +
                    ", \"sizeof_behavior\": " + std::to_string(sizeof(behavior)) +
                    ", \"sizeof_envelope_header\": " + std::to_string(sizeof(envelope)));
}

/// Spawns `total` idle children from inside a process, a chunk per handler call so that it
/// stays a fair process (Erlang's spawn loop is preempted the same way).
class spawn_loop final : public actor {
 public:
  spawn_loop(std::uint64_t total, std::atomic<std::uint64_t>* started) : total_(total), started_(started) {}

 protected:
  behavior make_behavior() override {
    return {[this](const go&) {
      std::uint64_t end = std::min(done_ + 1024, total_);
      for (; done_ < end; ++done_) spawn<idle_actor>(started_);
      if (done_ < total_) send(self(), go{});
    }};
  }

 private:
  std::uint64_t total_;
  std::atomic<std::uint64_t>* started_;
  std::uint64_t done_ = 0;
};

void spawn_in_process(std::uint64_t count) {
  actor_system sys(config());
  std::atomic<std::uint64_t> started{0};
  for (int i = 0; i < 1000; ++i) sys.spawn<idle_actor>(&started);  // warm up, as above
  wait_started(started, 1000, "spawn warm-up");
  pid loop = sys.spawn<spawn_loop>(count, &started);
  auto t0 = clock_type::now();
  sys.send(loop, go{});
  wait_started(started, count + 1000, "local.spawn_in_process");
  double secs = bench::seconds_since(t0);
  bench::report("local.spawn_in_process", double(count) / secs, "spawns/s", "\"actors\": " + std::to_string(count));
}

bool wanted(const char* part) {
  const char* only = std::getenv("TROUPE_BENCH_ONLY");
  return only == nullptr || *only == 0 || std::string(only) == part;
}

}  // namespace

int main() {
  const double s = scale();
  const auto n = [s](double base) { return std::max<std::uint64_t>(1000, std::uint64_t(base * s)); };
  if (wanted("send_u64"))
    one_way<u64_msg>("local.send_u64", n(10'000'000), [](std::uint64_t i) { return u64_msg{i}; });
  if (wanted("send_str64"))
    one_way<str_msg>("local.send_str64", n(10'000'000), [](std::uint64_t) { return str_msg{std::string(64, 'x')}; });
  if (wanted("pingpong")) pingpong(n(200'000));
  if (wanted("spawn")) spawn_and_memory(n(1'000'000));
  if (wanted("spawn_in_process")) spawn_in_process(n(1'000'000));
  return 0;
}
