// Fairness on the real scheduler: a receiver flooded by one sender must not starve the other
// processes of its thread (the bounded batch per turn, actor::resume).

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "troupe/node/actor_system.hpp"
#include "troupe/node/scoped_actor.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using test::ping;
using test::pong;
using namespace std::chrono_literals;

struct flood_state {
  std::atomic<std::uint64_t> received{0};
  std::atomic<bool> stop{false};
  std::atomic<std::thread::id> sink_thread{};
};

/// Waits (bounded) until `pred` holds (tests/support/eventually.hpp).
template <class P>
bool eventually(P pred) {
  return test::eventually(std::move(pred), 10s, 1ms);
}

TEST(FairnessTest, AReceiverFloodedByOneSenderLetsOtherProcessesOnItsThreadRun) {
  // One scheduler thread: the sink, its sender and the ticker all share it.
  actor_system sys(actor_system_config{.node_name = "fair", .threads = 1});
  flood_state st;
  pid sink = sys.spawn([&st](actor&) -> behavior {
    return {[&st](const ping&) {
      st.sink_thread.store(std::this_thread::get_id(), std::memory_order_relaxed);
      st.received.fetch_add(1, std::memory_order_relaxed);
    }};
  });
  // Sends in chunks far larger than a turn's batch, and keeps going until told to stop.
  pid flooder = sys.spawn([&st, sink](actor& self) -> behavior {
    return {[&st, &self, sink](const pong&) {
      for (std::uint64_t i = 0; i < 512; ++i) self.send(sink, ping{i});
      if (!st.stop.load(std::memory_order_relaxed)) self.send(self.self(), pong{0});
    }};
  });
  std::atomic<std::thread::id> ticker_thread{};
  pid ticker = sys.spawn([&ticker_thread](actor& self) -> behavior {
    return {[&self, &ticker_thread](const ping& p) {
      ticker_thread.store(std::this_thread::get_id(), std::memory_order_relaxed);
      self.send(self.sender(), pong{p.n});
    }};
  });
  scoped_actor probe(sys);
  sys.send(flooder, pong{0});
  // A turn of the flooder is up to a batch of its handlers, each sending 512: the sink's backlog
  // grows without bound, which is the point.
  ASSERT_TRUE(eventually([&] { return st.received.load() > 1000; })) << "the flood never got going";

  // While the flood goes on, the ticker answers every ping promptly.
  for (std::uint64_t i = 0; i < 10; ++i) {
    auto before = st.received.load();
    probe->send(ticker, ping{i});
    auto reply = probe->receive<pong>(5s);
    ASSERT_TRUE(reply) << "the ticker was starved by the flooded receiver (ping " << i << ")";
    EXPECT_EQ(reply->n, i);
    ASSERT_TRUE(eventually([&] { return st.received.load() > before; })) << "the flood stopped";
  }
  EXPECT_EQ(ticker_thread.load(), st.sink_thread.load()) << "not on one scheduler thread: the test proves nothing";
  st.stop.store(true);
  sys.shutdown();
}

}  // namespace
}  // namespace troupe
