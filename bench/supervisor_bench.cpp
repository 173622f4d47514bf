/// Supervisor benchmark: restart latency, from the moment a child crashes (inside its handler,
/// just before it throws) to the end of its replacement's init.
///
/// Figures: otp.supervisor_restart_p50, otp.supervisor_restart_p99 (µs), one_for_one, with
/// siblings present. Environment: TROUPE_BENCH_SCALE (default 1.0) scales the rounds.

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>

#include "bench/report.hpp"
#include "troupe/node/behaviour/start_link.hpp"
#include "troupe/node/behaviour/supervisor.hpp"
#include "troupe/node/scoped_actor.hpp"

namespace sup_bench {
struct crash_now {
  MSGPACK_DEFINE();
};
struct up {
  troupe::pid who;
  double restart_us = 0;
  MSGPACK_DEFINE(who, restart_us);
};
}  // namespace sup_bench

TROUPE_MESSAGE(sup_bench::crash_now, "bench.sup.crash_now");
TROUPE_MESSAGE(sup_bench::up, "bench.sup.up");

namespace {

using namespace troupe;
using namespace sup_bench;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

/// When the last crash happened, in steady-clock ticks (0: this start is not a restart).
using crash_clock = std::shared_ptr<std::atomic<clock_type::rep>>;

class worker : public gen_server {
 public:
  worker(pid probe, crash_clock crashed_at) : probe_(probe), crashed_at_(std::move(crashed_at)) {}

 protected:
  init_result init() override {
    auto t0 = crashed_at_->exchange(0);
    double us = t0 ? std::chrono::duration<double, std::micro>(clock_type::now().time_since_epoch() - clock_type::duration(t0)).count() : 0;
    send(probe_, up{self(), us});
    return init_result::ok();
  }
  behavior make_handlers() override {
    return {[this](const crash_now&) -> void {
      crashed_at_->store(clock_type::now().time_since_epoch().count());
      throw std::runtime_error("benchmark crash");
    }};
  }

 private:
  pid probe_;
  crash_clock crashed_at_;
};

}  // namespace

int main() {
  const char* s = std::getenv("TROUPE_BENCH_SCALE");
  auto rounds = static_cast<std::uint64_t>(20'000 * (s ? std::atof(s) : 1.0));
  actor_system sys(actor_system_config{.node_name = "bench"});
  scoped_actor probe(sys);
  auto crashed_at = std::make_shared<std::atomic<clock_type::rep>>(0);
  std::vector<child_spec> specs;
  for (int i = 0; i < 4; ++i) specs.push_back(child_spec::worker<worker>("w" + std::to_string(i), probe.self(), crashed_at));
  auto sup = start<supervisor>(sys, supervisor_flags{.max_restarts = 1'000'000'000, .max_time = 1s}, std::move(specs));
  if (!sup) {
    std::fprintf(stderr, "supervisor start failed: %s\n", sup.error().message().c_str());
    return 1;
  }
  pid victim;
  for (int i = 0; i < 4; ++i) victim = probe->receive<up>(10s)->who;  // the last one started
  std::vector<double> samples;
  samples.reserve(rounds);
  for (std::uint64_t i = 0; i < rounds; ++i) {
    sys.send(victim, crash_now{});
    auto u = probe->receive<up>(10s);
    if (!u) {
      std::fprintf(stderr, "no restart within 10 s\n");
      return 1;
    }
    samples.push_back(u->restart_us);
    victim = u->who;
  }
  std::string extra = "\"restarts\": " + std::to_string(samples.size()) + ", \"strategy\": \"one_for_one\", \"children\": 4";
  bench::report("otp.supervisor_restart_p50", bench::percentile(samples, 50), "us", extra);
  bench::report("otp.supervisor_restart_p99", bench::percentile(samples, 99), "us", extra);
}
