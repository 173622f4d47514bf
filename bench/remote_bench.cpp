/// Remote benchmarks between two processes on 127.0.0.1, each figure next to raw cppzmq
/// measured in the same run.
///
/// Figures: remote.send_64, remote.send_64_zmq, remote.send_1k, remote.send_1k_zmq (msgs/s, one
/// way, actor -> actor vs DEALER -> ROUTER message-per-frame), remote.call_p50/p99/p999 (µs,
/// actor request -> remote actor reply), remote.pingpong_zmq_p50/p99 (µs, DEALER <-> ROUTER).
/// The server half runs in a forked child; TROUPE_BENCH_SCALE scales the message counts.
///
/// Every wait is bounded: a run that stops making progress (no message counted for
/// `stall_limit`) ends and says what it saw — messages counted, refused, senders suspended —
/// instead of waiting out the test's timeout.

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>
#include <zmq.hpp>

#include "bench/report.hpp"
#include "troupe/cluster/cluster_node.hpp"
#include "troupe/node/actor_factory.hpp"
#include "troupe/node/call.hpp"
#include "troupe/node/scoped_actor.hpp"
#include "troupe/node/spawner.hpp"

namespace {

using namespace troupe;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

struct blob {
  std::string data;
  MSGPACK_DEFINE(data);
};
struct count_to {
  std::uint64_t n;
  pid report_to;
  MSGPACK_DEFINE(n, report_to);
};
struct counted {
  std::uint64_t n;
  MSGPACK_DEFINE(n);
};
struct how_many {
  MSGPACK_DEFINE();
};

}  // namespace

TROUPE_MESSAGE(blob, "bench.blob");
TROUPE_MESSAGE(count_to, "bench.count_to");
TROUPE_MESSAGE(counted, "bench.counted");
TROUPE_MESSAGE(how_many, "bench.how_many");

namespace {

/// A run that counts nothing new for this long has stalled: it ends and reports what it saw.
constexpr auto stall_limit = 30s;

double scale() {
  const char* s = std::getenv("TROUPE_BENCH_SCALE");
  return s ? std::atof(s) : 1.0;
}

/// Counts blobs; reports when the expected number arrived.
class sink final : public actor {
 protected:
  behavior make_behavior() override {
    return {[this](const count_to& c) {
              expected_ = c.n;
              report_to_ = c.report_to;
              seen_ = 0;
            },
            [this](const blob&) {
              if (++seen_ == expected_) send(report_to_, counted{seen_});
            },
            [this](const how_many&) { return counted{seen_}; }};
  }

 private:
  std::uint64_t expected_ = 0, seen_ = 0;
  pid report_to_;
};

/// Answers every blob call with the same blob.
class echo_server final : public actor {
 protected:
  behavior make_behavior() override {
    return {[](const blob& b) { return b; }};
  }
};

void register_types() {
  register_actor_type("bench.sink", [](const msgpack::object&) -> result<actor*> { return new sink; });
  register_actor_type("bench.echo", [](const msgpack::object&) -> result<actor*> { return new echo_server; });
}

// --- the server process -------------------------------------------------------------------------------------

[[noreturn]] void serve(int ready_fd) {
  register_types();
  node_config cfg{.name = "bench-server", .threads = 1};
  cfg.transport.cookie = "bench";
  auto n = cluster_node::start(cfg);
  zmq::context_t ctx(1);
  zmq::socket_t counter(ctx, zmq::socket_type::router), echo(ctx, zmq::socket_type::router);
  counter.bind("tcp://127.0.0.1:*");
  echo.bind("tcp://127.0.0.1:*");
  std::string line = (*n)->address() + " " + counter.get(zmq::sockopt::last_endpoint) + " " +
                     echo.get(zmq::sockopt::last_endpoint) + "\n";
  [[maybe_unused]] auto w = ::write(ready_fd, line.data(), line.size());
  std::thread counting([&] {
    // First message of a run: the count; then that many payloads; then back "done", or "short N"
    // if the payloads stopped coming (bounded: a lost message must not hang the run).
    counter.set(zmq::sockopt::rcvtimeo, static_cast<int>(std::chrono::milliseconds(stall_limit).count()));
    for (;;) {
      zmq::message_t id, m;
      if (!counter.recv(id) || !counter.recv(m)) continue;
      std::uint64_t expected = std::stoull(m.to_string()), i = 0;
      for (; i < expected; ++i)
        if (!counter.recv(id) || !counter.recv(m)) break;
      counter.send(id, zmq::send_flags::sndmore);
      if (i == expected)
        counter.send(zmq::str_buffer("done"));
      else
        counter.send(zmq::buffer("short " + std::to_string(i)));
    }
  });
  for (;;) {
    zmq::message_t id, m;
    if (!echo.recv(id) || !echo.recv(m)) break;
    echo.send(id, zmq::send_flags::sndmore);
    echo.send(m, zmq::send_flags::none);
  }
  std::_Exit(0);
}

// --- raw ZeroMQ baselines -------------------------------------------------------------------------------------

double zmq_send_rate(zmq::context_t& ctx, const std::string& endpoint, std::size_t size, std::uint64_t n) {
  zmq::socket_t d(ctx, zmq::socket_type::dealer);
  d.set(zmq::sockopt::sndhwm, 100000);
  d.set(zmq::sockopt::rcvtimeo, static_cast<int>(std::chrono::milliseconds(stall_limit * 2).count()));
  d.connect(endpoint);
  std::string payload(size, 'x');
  auto t0 = clock_type::now();
  d.send(zmq::buffer(std::to_string(n)));
  for (std::uint64_t i = 0; i < n; ++i) d.send(zmq::buffer(payload));
  zmq::message_t done;
  if (!d.recv(done) || done.to_string() != "done") {
    std::fprintf(stderr, "raw ZeroMQ send of %zu-byte messages did not complete: %s\n", size,
                 done.size() ? done.to_string().c_str() : "no answer");
    return 0;
  }
  return double(n) / bench::seconds_since(t0);
}

std::vector<double> zmq_pingpong(zmq::context_t& ctx, const std::string& endpoint, std::uint64_t rounds) {
  zmq::socket_t d(ctx, zmq::socket_type::dealer);
  d.set(zmq::sockopt::rcvtimeo, 10'000);
  d.connect(endpoint);
  std::string payload(64, 'x');
  std::vector<double> us;
  for (std::uint64_t i = 0; i < rounds + 100; ++i) {
    auto t0 = clock_type::now();
    d.send(zmq::buffer(payload));
    zmq::message_t back;
    if (!d.recv(back)) {
      std::fprintf(stderr, "raw ZeroMQ ping-pong: no answer for 10 s after %zu rounds\n", static_cast<std::size_t>(i));
      break;
    }
    if (i >= 100) us.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t0).count());
  }
  return us;
}

// --- Troupe ---------------------------------------------------------------------------------------------------

/// Sends `total` blobs to `target` in chunks, yielding between chunks like a fair process.
class source final : public actor {
 public:
  source(pid target, std::uint64_t total, std::size_t size) : target_(target), total_(total), payload_(size, 'x') {}

 protected:
  behavior make_behavior() override {
    return {[this](const counted&) {
      std::uint64_t end = std::min(sent_ + 1024, total_);
      for (; sent_ < end; ++sent_) send(target_, blob{payload_});
      if (sent_ < total_) send(self(), counted{});
    }};
  }

 private:
  pid target_;
  std::uint64_t total_, sent_ = 0;
  std::string payload_;
};

/// Senders suspended so far on the client's peers (flow control), summed.
std::uint64_t suspensions(cluster_node& client) {
  std::uint64_t n = 0;
  for (auto& p : client.net().peers()) n += p.suspensions;
  return n;
}

double troupe_send_rate(cluster_node& client, const pid& sink_pid, std::size_t size, std::uint64_t n) {
  scoped_actor self(client.system());
  self->send(sink_pid, count_to{n, self.self()});
  pid src = client.system().spawn<source>(sink_pid, n, size);
  auto& st = client.net().stats();
  const auto refused0 = st.dropped_overload.load(), suspended0 = suspensions(client);
  auto t0 = clock_type::now();
  self->send(src, counted{});
  // Wait in slices; between them ask the sink how far it got, and give up once it stalls.
  std::uint64_t seen = 0;
  auto progress_at = clock_type::now();
  for (;;) {
    if (self->receive<counted>(2s)) break;
    auto now_seen = call<counted>(client.system(), sink_pid, how_many{}, 10s);
    if (now_seen && now_seen->n > seen) {
      seen = now_seen->n;
      progress_at = clock_type::now();
    } else if (clock_type::now() - progress_at > stall_limit) {
      std::fprintf(stderr,
                   "remote send of %zu-byte messages stalled: %llu of %llu counted by the sink after %.1f s, "
                   "%llu refused, %llu suspensions; giving up\n",
                   size, static_cast<unsigned long long>(seen), static_cast<unsigned long long>(n), bench::seconds_since(t0),
                   static_cast<unsigned long long>(st.dropped_overload.load() - refused0),
                   static_cast<unsigned long long>(suspensions(client) - suspended0));
      client.system().exit(src, exit_reason::kill());
      return 0;
    }
  }
  double rate = double(n) / bench::seconds_since(t0);
  std::fprintf(stderr, "remote send of %zu-byte messages: %llu refused, %llu suspensions\n", size,
               static_cast<unsigned long long>(st.dropped_overload.load() - refused0),
               static_cast<unsigned long long>(suspensions(client) - suspended0));
  return rate;
}

std::vector<double> troupe_calls(cluster_node& client, const pid& echo_pid, std::uint64_t rounds) {
  scoped_actor self(client.system());
  pid report = self.self();
  auto samples = std::make_shared<std::vector<double>>();
  client.system().spawn([=](actor& a) -> behavior {
    auto next = std::make_shared<std::function<void(std::uint64_t)>>();
    *next = [&a, echo_pid, rounds, samples, report, next](std::uint64_t i) {
      auto t0 = clock_type::now();
      a.request<blob>(echo_pid, blob{std::string(64, 'x')}, 10s, [=, &a](result<blob> r) {
        if (i >= 100) samples->push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t0).count());
        if (!r || i + 1 == rounds + 100) {
          a.send(report, counted{i});
          *next = nullptr;  // break the self-reference
          return;
        }
        (*next)(i + 1);
      });
    };
    (*next)(0);
    return {[](const blob&) {}};
  });
  // Each call has its own 10 s timeout, so the chain ends; this bound only guards the bench.
  if (!self->receive<counted>(std::max<duration>(60s, rounds * 10ms)))
    std::fprintf(stderr, "remote calls did not finish: %zu samples\n", samples->size());
  return *samples;
}

}  // namespace

int main() {
  const double s = scale();
  const auto n = [s](double base) { return std::max<std::uint64_t>(1000, std::uint64_t(base * s)); };
  int fds[2];
  if (::pipe(fds) != 0) return 1;
  ::pid_t child = ::fork();
  if (child == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the bench, whatever ends it
    ::close(fds[0]);
    serve(fds[1]);
  }
  ::close(fds[1]);
  char buf[512] = {};
  std::string ready;
  while (ready.find('\n') == std::string::npos) {
    auto r = ::read(fds[0], buf, sizeof(buf));
    if (r <= 0) return 1;
    ready.append(buf, static_cast<std::size_t>(r));
  }
  std::istringstream in(ready);
  std::string node_address, count_endpoint, echo_endpoint;
  in >> node_address >> count_endpoint >> echo_endpoint;

  register_types();
  node_config cfg{.name = "bench-client"};
  cfg.transport.cookie = "bench";
  cfg.seeds = {node_address};
  auto client = cluster_node::start(cfg);
  if (!client || !(*client)->net().wait_connected("bench-server", 10s)) {
    std::fprintf(stderr, "could not connect to the server process\n");
    ::kill(child, SIGKILL);
    return 1;
  }
  scoped_actor self((*client)->system());
  pid server_spawner = (*client)->spawner_of("bench-server");
  auto sink_pid = spawn_by_name(*self, server_spawner, "bench.sink", {}, {}, 10s);
  auto echo_pid = spawn_by_name(*self, server_spawner, "bench.echo", {}, {}, 10s);
  if (!sink_pid || !echo_pid) return 1;

  zmq::context_t ctx(1);
  for (std::size_t size : {std::size_t(64), std::size_t(1024)}) {
    std::uint64_t count = n(size == 64 ? 2'000'000 : 500'000);
    std::string label = size == 64 ? "64" : "1k";
    double zmq_rate = zmq_send_rate(ctx, count_endpoint, size, count);
    double troupe_rate = troupe_send_rate(**client, sink_pid->child, size, count);
    std::string extra = "\"messages\": " + std::to_string(count) + ", \"payload_bytes\": " + std::to_string(size);
    bench::report("remote.send_" + label, troupe_rate, "msgs/s",
                  extra + ", \"ratio_to_zmq\": " + std::to_string(troupe_rate / zmq_rate));
    bench::report("remote.send_" + label + "_zmq", zmq_rate, "msgs/s", extra);
  }
  auto rounds = n(20'000);
  auto zmq_us = zmq_pingpong(ctx, echo_endpoint, rounds);
  auto call_us = troupe_calls(**client, echo_pid->child, rounds);
  double zmq_p50 = bench::percentile(zmq_us, 50);
  std::string extra = "\"rounds\": " + std::to_string(rounds);
  bench::report("remote.call_p50", bench::percentile(call_us, 50), "us",
                extra + ", \"ratio_to_zmq\": " + std::to_string(bench::percentile(call_us, 50) / zmq_p50));
  bench::report("remote.call_p99", bench::percentile(call_us, 99), "us", extra);
  bench::report("remote.call_p999", bench::percentile(call_us, 99.9), "us", extra);
  bench::report("remote.pingpong_zmq_p50", zmq_p50, "us", extra);
  bench::report("remote.pingpong_zmq_p99", bench::percentile(zmq_us, 99), "us", extra);
  auto& st = (*client)->net().stats();
  bench::report("remote.batching_factor", double(st.messages_out) / double(std::max<std::uint64_t>(1, st.batches_out)),
                "msgs/batch");
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  std::_Exit(0);  // skip the orderly shutdown: the peer is gone on purpose
}
