// Flow control with real processes over real ZeroMQ: one process blasts numbered messages at a
// slow sink in another OS process (tests/integration/blast_node.cpp). While the sink's node is up
// nothing may be lost or refused and the sender's memory stays bounded (it is suspended while the
// peer is busy); when the sink's node is stopped or killed mid-blast the sender is released,
// noconnection fires, and every message the sender's side discards is counted.
//
// The issue asks for 10 M messages handled 100x slower than sent; that takes minutes here (a
// loaded 2-core machine), so the count is TROUPE_BLAST_MESSAGES (default 600 k) and the sink spends
// TROUPE_BLAST_SPIN_US (default 10 us) per message: still several times slower than the sender,
// and the queue passes the busy mark within a fraction of a second.

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

#include "tests/integration/blast_messages.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/node_pair.hpp"
#include "troupe/node/call.hpp"

namespace troupe {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// Under ThreadSanitizer both ends run several times slower: the sender no longer outruns ZeroMQ's
// own pipe (64 batches) before the ctest timeout, so the queue never reaches the busy mark, and
// RSS carries shadow memory. The tests skip there (no TSan report was seen in those runs; the
// park hook and the buffer are covered under TSan by ParkTest and OutboundBufferTest). Under
// AddressSanitizer, freed memory sits in ASan's quarantine, so RSS never comes back after the
// blast (a clean-clone CI run: 440 MiB after the loss) and the memory bounds mean nothing.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr bool sanitized = true;
#else
constexpr bool sanitized = false;
#endif

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::stoull(v) : fallback;
}

/// Resident memory of this process, in bytes.
std::size_t rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::string key;
  std::size_t kb = 0;
  while (in >> key) {
    if (key == "VmRSS:") {
      in >> kb;
      break;
    }
    in.ignore(1 << 12, '\n');
  }
  return kb * 1024;
}

}  // namespace
}  // namespace troupe

namespace troupe::flow_test {
struct blast_sent {
  std::uint64_t n = 0;
};
struct blast_go {};
}  // namespace troupe::flow_test

TROUPE_LOCAL_MESSAGE(troupe::flow_test::blast_sent, "test.blast_sent");
TROUPE_LOCAL_MESSAGE(troupe::flow_test::blast_go, "test.blast_go");

namespace troupe {
namespace {

using flow_test::blast_go;
using flow_test::blast_sent;

/// Sends `total` numbered messages to `target`, 1024 per turn (a fair process yields between
/// chunks), then tells `report_to` it is done.
class blast_source final : public actor {
 public:
  blast_source(pid target, std::uint64_t total, pid report_to)
      : target_(target), total_(total), report_to_(report_to), pad_(48, 'x') {}

 protected:
  behavior make_behavior() override {
    return {[this](const blast_go&) {
      std::uint64_t end = std::min(sent_ + 1024, total_);
      for (; sent_ < end; ++sent_) send(target_, blast::seq_blob{sent_, pad_});
      if (sent_ < total_)
        send(self(), blast_go{});
      else
        send(report_to_, blast_sent{sent_});
    }};
  }

 private:
  pid target_;
  std::uint64_t total_, sent_ = 0;
  pid report_to_;
  std::string pad_;
};

constexpr std::size_t busy_bytes = 2 * 1024 * 1024;

transport::transport_config blast_config() {
  auto cfg = test::fast_config("blast-cookie");
  cfg.busy_bytes = busy_bytes;
  return cfg;
}

class FlowControlTest : public ::testing::Test {
 protected:
  test::test_node tester{test::unique_name("blaster"), blast_config()};
  std::string sink_node = test::unique_name("sink");
  std::unique_ptr<test::child_process> child;
  pid sink;
  const std::uint64_t messages = env_or("TROUPE_BLAST_MESSAGES", 600'000);

  void SetUp() override {
    if (sanitized) GTEST_SKIP() << "timing- and memory-bound blast: not meaningful under ThreadSanitizer or AddressSanitizer (see the top of the file)";
    child = std::make_unique<test::child_process>(
        std::vector<std::string>{BLAST_NODE_BINARY, sink_node, tester.system->node_name(), tester.net->address(),
                                 "blast-cookie", std::to_string(env_or("TROUPE_BLAST_SPIN_US", 10))});
    auto ready = child->read_line(20s);
    ASSERT_TRUE(ready && *ready == "ready") << "blast_node did not start";
    ASSERT_TRUE(tester.net->wait_connected(sink_node, 10s));
  }

  /// Tells the sink how many to expect; learns its pid from the answer.
  void arm_sink(scoped_actor& self) {
    auto e = make_envelope<blast::expect>(self.self(), blast::expect{messages, self.self()});
    e->correlation = tester.system->make_ref();
    auto want = e->correlation | envelope::reply_bit;
    ASSERT_TRUE(tester.net->send_to_name(sink_node, "blast_sink", std::move(e)));
    auto answer = self->receive_if([&](const envelope& x) { return x.correlation == want; }, 10s);
    ASSERT_TRUE(answer) << "the sink did not answer";
    sink = answer->from;
  }

  /// The blast at a sink whose node is stopped with `sig` once the sender is suspended on it.
  void blast_then_lose(int sig);

  transport::peer_info sink_peer() const {
    for (auto& p : tester.net->peers())
      if (p.name == sink_node) return p;
    return {};
  }
};

void FlowControlTest::blast_then_lose(int sig) {
  scoped_actor self(*tester.system);
  arm_sink(self);
  ASSERT_FALSE(sink.is_null());
  auto ref = self->monitor(sink);
  // The counters below must see the blast alone: let the monitor signal leave first.
  auto settle = steady::now() + 10s;
  while (sink_peer().queued_messages != 0 && steady::now() < settle) (void)self->receive<blast_sent>(5ms);
  auto& st = tester.net->stats();
  const auto out0 = st.messages_out.load(), lost0 = st.dropped_on_loss.load(), refused0 = st.dropped_overload.load(),
             unreachable0 = st.unreachable.load(), unconfirmed0 = st.unconfirmed_at_loss.load();
  const std::size_t rss0 = rss_bytes();
  const auto suspensions0 = sink_peer().suspensions;
  auto src = tester.system->spawn<blast_source>(sink, messages, self.self());
  self->send(src, blast_go{});
  // Mid-blast: once the source has been suspended on the busy peer (it stays busy: the sink is
  // far slower than the source).
  auto deadline = steady::now() + 30s;
  while (sink_peer().suspensions == suspensions0 && steady::now() < deadline)
    (void)self->receive_if([](const envelope&) { return false; }, 2ms);  // polls the counter; takes nothing
  ASSERT_GT(sink_peer().suspensions, suspensions0) << "the source was never suspended";
  const std::size_t rss_busy = rss_bytes();
  child->signal(sig);
  auto down = self->receive_if([&](const envelope& x) { return holds<down_msg>(x) && payload<down_msg>(x).ref == ref; }, 10s);
  ASSERT_TRUE(down) << "no DOWN after the sink's node was stopped";
  EXPECT_EQ(payload<down_msg>(*down).reason, exit_reason::noconnection());
  auto sent = self->receive<blast_sent>(30s);
  ASSERT_TRUE(sent) << "the suspended sender was not released";
  EXPECT_EQ(sent->n, messages);
  auto p = sink_peer();
  EXPECT_EQ(p.queued_messages, 0u);
  EXPECT_EQ(p.suspended_senders, 0u);
  const auto out = st.messages_out.load() - out0, lost = st.dropped_on_loss.load() - lost0,
             refused = st.dropped_overload.load() - refused0, unreachable = st.unreachable.load() - unreachable0,
             unconfirmed = st.unconfirmed_at_loss.load() - unconfirmed0;
  EXPECT_EQ(refused, 0u);
  EXPECT_GT(lost, 0u) << "the queue was busy when the peer was lost, yet nothing was counted as dropped";
  // Every message the source sent is accounted for on the sender's side: handed to ZeroMQ,
  // dropped at the loss (still queued), or refused at once as unreachable (sent after the loss).
  EXPECT_EQ(out + lost + unreachable + refused, messages)
      << "out " << out << ", dropped on loss " << lost << ", unreachable " << unreachable << ", refused " << refused;
  // Of what went to ZeroMQ, the part the sink never confirmed in a receipt: the messages lost in
  // ZeroMQ's and the kernel's buffers are among them.
  // (Bounded by everything handed over in the session, which began before the blast: a few
  // messages before it — the monitor, the sink's arming — may be unconfirmed too.)
  EXPECT_LE(unconfirmed, st.messages_out.load());
  EXPECT_GT(unconfirmed, 0u) << "ZeroMQ's pipe to the slow sink was full when it was lost, yet nothing was unconfirmed";
  const std::size_t rss_after = rss_bytes();
  EXPECT_LT(rss_after, rss0 + 32u * 1024 * 1024) << "memory did not come back after the loss";
  // A stopped node can be asked afterwards what it got: the rest of what was handed to ZeroMQ
  // was in ZeroMQ's pipe or the kernel's buffers when the connection was dropped.
  std::string delivered = "unknown (killed)";
  if (sig == SIGSTOP) {
    child->signal(SIGCONT);
    if (tester.net->wait_connected(sink_node, 10s)) {
      std::optional<std::uint64_t> last;
      for (int i = 0; i < 50; ++i) {  // until the sink's count stops moving (it works off its backlog)
        auto r = call<blast::seen>(*tester.system, sink, blast::how_many{}, 10s);
        if (!r) break;
        if (last && *last == r->n) break;
        last = r->n;
        (void)self->receive_if([](const envelope&) { return false; }, 200ms);
      }
      if (last) {
        EXPECT_LE(*last, out);
        EXPECT_GE(unconfirmed, out - *last) << "a message lost in the buffers was not counted as unconfirmed";
        delivered = std::to_string(*last) + " (lost in ZeroMQ/TCP buffers: " + std::to_string(out - *last) + ")";
      }
    }
  }
  std::printf("%s mid-blast of %llu: handed to ZeroMQ %llu (unconfirmed at the loss %llu), dropped on loss %llu, "
              "unreachable %llu, refused %llu; "
              "delivered %s; RSS %zu -> %zu (busy) -> %zu KiB\n",
              sig == SIGSTOP ? "SIGSTOP" : "SIGKILL", static_cast<unsigned long long>(messages),
              static_cast<unsigned long long>(out), static_cast<unsigned long long>(unconfirmed),
              static_cast<unsigned long long>(lost),
              static_cast<unsigned long long>(unreachable), static_cast<unsigned long long>(refused), delivered.c_str(),
              rss0 / 1024,
              rss_busy / 1024, rss_after / 1024);
}

TEST_F(FlowControlTest, ASlowReceiverSuspendsTheSenderNothingIsLostAndMemoryStaysBounded) {
  scoped_actor self(*tester.system);
  arm_sink(self);
  ASSERT_FALSE(sink.is_null());
  // Other work on the sender's node: a local process answering calls all along.
  pid echo = tester.system->spawn([](actor&) -> behavior { return {[](const blast::how_many&) { return blast::seen{}; }}; });
  auto& st = tester.net->stats();
  const auto refused0 = st.dropped_overload.load(), lost0 = st.dropped_on_loss.load();
  const std::size_t rss0 = rss_bytes();
  auto src = tester.system->spawn<blast_source>(sink, messages, self.self());
  self->send(src, blast_go{});

  std::size_t rss_max = rss0, queued_max = 0, suspended_seen = 0;
  duration slowest_call{};
  int calls = 0;
  std::optional<blast::seen> done;
  auto deadline = steady::now() + 120s;
  while (!done && steady::now() < deadline) {
    if (auto e = self->receive_if([](const envelope& x) { return holds<blast::seen>(x); }, 50ms))
      done = payload<blast::seen>(*e);
    rss_max = std::max(rss_max, rss_bytes());
    auto p = sink_peer();
    queued_max = std::max(queued_max, p.queued_bytes);
    suspended_seen = std::max(suspended_seen, p.suspended_senders);
    auto t0 = steady::now();
    ASSERT_TRUE(call<blast::seen>(*tester.system, echo, blast::how_many{}, 5s)) << "the sender's node stopped serving";
    slowest_call = std::max<duration>(slowest_call, steady::now() - t0);
    ++calls;
  }
  ASSERT_TRUE(done) << "the sink did not count " << messages << " messages in 120 s";
  EXPECT_EQ(done->n, messages);
  EXPECT_EQ(done->out_of_order, 0u);
  EXPECT_EQ(st.dropped_overload.load() - refused0, 0u) << "a live connection refused messages";
  EXPECT_EQ(st.dropped_on_loss.load() - lost0, 0u);
  EXPECT_GT(sink_peer().suspensions, 0u) << "the sender was never suspended: the test did not test flow control";
  // The queue overshoots the mark by at most what one turn of the source sends (1024 messages).
  // (about 110 bytes a message queued: 1024 of them are 110 KiB; twice that for slack)
  EXPECT_LE(queued_max, busy_bytes + 2 * 1024 * 110) << "queued bytes passed the busy mark";
  // Memory: the queue, ZeroMQ's own pipe (64 batches of up to 256 KiB) and allocator slack;
  // without flow control the whole blast (tens of MiB) would be queued, or refused.
  EXPECT_LT(rss_max - rss0, 48u * 1024 * 1024) << "RSS grew from " << rss0 << " to " << rss_max;
  EXPECT_LT(slowest_call, 2s) << "a local call took long while the sender was suspended";
  std::printf("blast of %llu: RSS %zu -> max %zu KiB, queued max %zu KiB, %d local calls (slowest %lld ms), "
              "suspensions %llu\n",
              static_cast<unsigned long long>(messages), rss0 / 1024, rss_max / 1024, queued_max / 1024, calls,
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(slowest_call).count()),
              static_cast<unsigned long long>(sink_peer().suspensions));
  (void)self->receive<blast_sent>(10s);
}

TEST_F(FlowControlTest, SigstopOfTheReceiverMidBlastReleasesTheSenderAndCountsEveryDrop) { blast_then_lose(SIGSTOP); }

TEST_F(FlowControlTest, SigkillOfTheReceiverMidBlastReleasesTheSenderAndCountsEveryDrop) { blast_then_lose(SIGKILL); }

}  // namespace
}  // namespace troupe
