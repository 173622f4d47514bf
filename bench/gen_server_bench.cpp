/// gen_server benchmarks: call round trip between two actors (actor::request), blocking call
/// from a non-actor thread, and cast throughput.
///
/// Figures: otp.gen_server_call_p50, otp.gen_server_call_p99, otp.gen_server_blocking_call_p50
/// (µs), otp.gen_server_cast (msgs/s).
/// Environment: TROUPE_BENCH_SCALE (default 1.0) scales the counts down for quick runs.

#include <cstdlib>
#include <memory>
#include <string>

#include "bench/report.hpp"
#include "troupe/node/behaviour/gen_server.hpp"
#include "troupe/node/behaviour/gen_server_call.hpp"
#include "troupe/node/behaviour/start_link.hpp"
#include "troupe/node/scoped_actor.hpp"

namespace gs_bench {
struct get {
  std::uint64_t n;
  MSGPACK_DEFINE(n);
};
struct value {
  std::uint64_t n;
  MSGPACK_DEFINE(n);
};
struct bump {
  MSGPACK_DEFINE();
};
struct go {
  std::uint64_t rounds;
  MSGPACK_DEFINE(rounds);
};
struct finished {
  std::uint64_t n;
  MSGPACK_DEFINE(n);
};
}  // namespace gs_bench

TROUPE_MESSAGE(gs_bench::get, "bench.gs.get");
TROUPE_MESSAGE(gs_bench::value, "bench.gs.value");
TROUPE_MESSAGE(gs_bench::bump, "bench.gs.bump");
TROUPE_MESSAGE(gs_bench::go, "bench.gs.go");
TROUPE_MESSAGE(gs_bench::finished, "bench.gs.finished");

namespace {

using namespace troupe;
using namespace gs_bench;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

double scale() {
  const char* s = std::getenv("TROUPE_BENCH_SCALE");
  return s ? std::atof(s) : 1.0;
}

class counter : public gen_server {
 public:
  explicit counter(pid report_to = {}, std::uint64_t expect = 0) : report_to_(report_to), expect_(expect) {}

 protected:
  behavior make_handlers() override {
    return {
        [this](const get& g) { return value{g.n + n_}; },
        [this](const bump&) {
          if (++n_ == expect_) send(report_to_, finished{n_});
        },
    };
  }

 private:
  pid report_to_;
  std::uint64_t expect_;
  std::uint64_t n_ = 0;
};

/// Calls the server `rounds` times in a row with request(), timing each round trip.
class caller : public gen_server {
 public:
  caller(pid server, pid report_to, std::shared_ptr<std::vector<double>> samples)
      : server_(server), report_to_(report_to), samples_(std::move(samples)) {}

 protected:
  behavior make_handlers() override {
    return {[this](const go& g) {
      left_ = g.rounds;
      next();
    }};
  }

 private:
  void next() {
    if (left_ == 0) return send(report_to_, finished{samples_->size()});
    --left_;
    auto t0 = clock_type::now();
    request<value>(server_, get{left_}, 5s, [this, t0](result<value>) {
      samples_->push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t0).count());
      next();
    });
  }

  pid server_;
  pid report_to_;
  std::shared_ptr<std::vector<double>> samples_;
  std::uint64_t left_ = 0;
};

void actor_calls(std::uint64_t rounds) {
  actor_system sys(actor_system_config{.node_name = "bench"});
  scoped_actor self(sys);
  auto samples = std::make_shared<std::vector<double>>();
  samples->reserve(rounds);
  pid server = *start<counter>(sys);
  pid c = *start<caller>(sys, server, self.self(), samples);
  sys.send(c, go{rounds});
  if (!self->receive<finished>(600s)) std::fprintf(stderr, "actor calls: timed out\n");
  std::string extra = "\"calls\": " + std::to_string(samples->size());
  bench::report("otp.gen_server_call_p50", bench::percentile(*samples, 50), "us", extra);
  bench::report("otp.gen_server_call_p99", bench::percentile(*samples, 99), "us", extra);
}

void blocking_calls(std::uint64_t rounds) {
  actor_system sys(actor_system_config{.node_name = "bench"});
  pid server = *start<counter>(sys);
  std::vector<double> samples;
  samples.reserve(rounds);
  for (std::uint64_t i = 0; i < rounds; ++i) {
    auto t0 = clock_type::now();
    auto r = call<value>(sys, server, get{i}, 5s);
    samples.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t0).count());
    if (!r) std::fprintf(stderr, "blocking call failed: %s\n", r.error().message().c_str());
  }
  std::string extra = "\"calls\": " + std::to_string(samples.size());
  bench::report("otp.gen_server_blocking_call_p50", bench::percentile(samples, 50), "us", extra);
  bench::report("otp.gen_server_blocking_call_p99", bench::percentile(samples, 99), "us", extra);
}

void casts(std::uint64_t total) {
  actor_system sys(actor_system_config{.node_name = "bench"});
  scoped_actor self(sys);
  pid server = *start<counter>(sys, self.self(), total);
  auto t0 = clock_type::now();
  for (std::uint64_t i = 0; i < total; ++i) cast(sys, server, bump{});
  if (!self->receive<finished>(600s)) std::fprintf(stderr, "casts: timed out\n");
  bench::report("otp.gen_server_cast", double(total) / bench::seconds_since(t0), "msgs/s",
                "\"messages\": " + std::to_string(total) + ", \"senders\": 1");
}

}  // namespace

int main() {
  double s = scale();
  actor_calls(static_cast<std::uint64_t>(200'000 * s));
  blocking_calls(static_cast<std::uint64_t>(20'000 * s));
  casts(static_cast<std::uint64_t>(2'000'000 * s));
}
