// The receiving node of the flow-control blast tests: a bare node (runtime and ZeroMQ transport,
// nothing else talks) hosting one slow sink, registered as "blast_sink", that spends `spin_us`
// of CPU on each message and checks they come in order.
// Usage: blast_node NAME SEED_NAME SEED_ADDRESS COOKIE SPIN_US. Prints "ready" once connected.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "tests/integration/blast_messages.hpp"
#include "troupe/node/actor_system.hpp"
#include "troupe/transport/transport.hpp"

namespace {

using namespace troupe;

class slow_sink final : public actor {
 public:
  explicit slow_sink(std::chrono::microseconds spin) : spin_(spin) {}

 protected:
  behavior make_behavior() override {
    return {[this](const blast::expect& x) {
              expected_ = x.n;
              report_to_ = x.report_to;
              seen_ = out_of_order_ = 0;
              return blast::seen{0, 0};
            },
            [this](const blast::seq_blob& b) {
              if (b.seq != seen_) ++out_of_order_;
              ++seen_;
              // Much slower than the sender: burn the time (a sleep would let the thread go).
              auto until = std::chrono::steady_clock::now() + spin_;
              while (std::chrono::steady_clock::now() < until) {
              }
              if (seen_ == expected_) send(report_to_, blast::seen{seen_, out_of_order_});
            },
            [this](const blast::how_many&) { return blast::seen{seen_, out_of_order_}; }};
  }

 private:
  std::chrono::microseconds spin_;
  std::uint64_t expected_ = 0, seen_ = 0, out_of_order_ = 0;
  pid report_to_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: blast_node NAME SEED_NAME SEED_ADDRESS COOKIE SPIN_US\n");
    return 2;
  }
  actor_system system(actor_system_config{.node_name = argv[1], .threads = 1});
  auto cfg = transport::transport_config::defaults();
  cfg.heartbeat_interval = std::chrono::milliseconds(50);
  cfg.detector.acceptable_pause = std::chrono::milliseconds(500);
  cfg.cookie = argv[4];
  transport::transport net(system, cfg);
  if (auto started = net.start(); !started) {
    std::fprintf(stderr, "%s\n", started.error().message().c_str());
    return 1;
  }
  auto sink = system.spawn<slow_sink>(std::chrono::microseconds(std::stoll(argv[5])));
  (void)system.register_name("blast_sink", sink);
  net.connect(argv[3]);
  if (!net.wait_connected(argv[2], std::chrono::seconds(10))) return 1;
  std::printf("ready\n");
  std::fflush(stdout);
  for (;;) ::pause();  // until the test kills it
}
