#include <gtest/gtest.h>

#include <memory>
#include <numeric>

#include "troupe/node/stage/consumer.hpp"
#include "troupe/node/stage/producer.hpp"
#include "troupe/node/stage/producer_consumer.hpp"
#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using namespace std::chrono_literals;
using event = std::uint64_t;

/// What a test producer has done, read by the test between steps.
struct producer_stats {
  std::uint64_t produced = 0;
  std::size_t buffered = 0;
  std::size_t max_buffered = 0;
};

/// Makes 0, 1, 2, ... on demand, all at once.
class counter : public producer<event> {
 public:
  counter(producer_stats* s, dispatcher_options<event> o = {}) : producer(std::move(o)), stats_(s) {}

 protected:
  std::vector<event> handle_demand(std::uint64_t n) override {
    std::vector<event> out(n);
    std::iota(out.begin(), out.end(), next_);
    next_ += n;
    stats_->produced += n;
    return out;
  }
  void on_message(envelope& e) override {
    producer::on_message(e);
    stats_->buffered = buffered();
    stats_->max_buffered = std::max(stats_->max_buffered, buffered());
  }

 private:
  producer_stats* stats_;
  event next_ = 0;
};

/// Collects what it receives; subscribes on start.
class collector : public consumer<event> {
 public:
  collector(std::vector<event>* got, pid from, subscription_options o) : got_(got), from_(from), opts_(o) {}
  std::uint64_t ref = 0;

 protected:
  void on_start() override { ref = subscribe_to(from_, opts_); }
  void handle_events(std::vector<event>& events, std::uint64_t) override {
    got_->insert(got_->end(), events.begin(), events.end());
  }
  behavior make_handlers() override {
    return {[this](const test::ping& p) { ask(ref, p.n); }};
  }

 private:
  std::vector<event>* got_;
  pid from_;
  subscription_options opts_;
};

class StageTest : public test::deterministic_fixture {
 protected:
  void TearDown() override { sys.shutdown(); }
  producer_stats stats;
};

TEST_F(StageTest, AProducerNeverSendsMoreThanItsConsumerAskedFor) {
  pid p = sys.spawn<counter>(&stats);
  std::vector<event> got;
  pid c = sys.spawn<collector>(&got, p, subscription_options{.max_demand = 10, .manual = true});
  run();
  EXPECT_TRUE(got.empty()) << "a manual consumer has asked for nothing yet";
  sys.send(c, test::ping{3});
  run();
  EXPECT_EQ(got, (std::vector<event>{0, 1, 2}));
  sys.send(c, test::ping{2});
  run();
  EXPECT_EQ(got.size(), 5u);
  EXPECT_EQ(stats.produced, 5u);
}

TEST_F(StageTest, AnAutomaticConsumerKeepsAskingAsItHandlesEvents) {
  pid p = sys.spawn<counter>(&stats);
  std::vector<event> got;
  sys.spawn<collector>(&got, p, subscription_options{.max_demand = 4, .min_demand = 2});
  // Each round trip is a few turns; a bounded number of turns moves a bounded number of events.
  for (int i = 0; i < 50; ++i) sys.stepper()->dispatch_next();
  EXPECT_GT(got.size(), 4u) << "demand was topped up";
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], i) << "in order, none lost";
}

/// Produces one event per millisecond of (manual) time, only while demand is owed: a source
/// 100 times faster than `slow_sink`.
class fast_source : public producer<event> {
 public:
  explicit fast_source(producer_stats* s) : stats_(s) {}

 protected:
  std::vector<event> handle_demand(std::uint64_t n) override {
    owed_ += n;
    return {};
  }
  behavior make_handlers() override {
    return {[this](const test::pong&) {
      if (owed_ > 0) {
        --owed_;
        ++stats_->produced;
        push({stats_->produced});
      }
      send_after(self(), 1ms, test::pong{});
    }};
  }
  void on_start() override { send_after(self(), 1ms, test::pong{}); }
  void on_message(envelope& e) override {
    producer::on_message(e);
    stats_->max_buffered = std::max(stats_->max_buffered, buffered());
  }

 private:
  producer_stats* stats_;
  std::uint64_t owed_ = 0;
};

/// Handles one event per 100 ms; asks for one more each time it finishes one.
class slow_sink : public consumer<event> {
 public:
  slow_sink(pid from, std::uint64_t max_demand, std::uint64_t* consumed, std::size_t* max_pending)
      : from_(from), max_demand_(max_demand), consumed_(consumed), max_pending_(max_pending) {}

 protected:
  void on_start() override {
    ref_ = subscribe_to(from_, {.max_demand = max_demand_, .manual = true});
    ask(ref_, max_demand_);
    send_after(self(), 100ms, test::ping{});
  }
  void handle_events(std::vector<event>& events, std::uint64_t) override {
    pending_.insert(pending_.end(), events.begin(), events.end());
    *max_pending_ = std::max(*max_pending_, pending_.size());
  }
  behavior make_handlers() override {
    return {[this](const test::ping&) {
      if (!pending_.empty()) {
        pending_.erase(pending_.begin());
        ++*consumed_;
        ask(ref_, 1);
      }
      send_after(self(), 100ms, test::ping{});
    }};
  }

 private:
  pid from_;
  std::uint64_t max_demand_;
  std::uint64_t ref_ = 0;
  std::vector<event> pending_;
  std::uint64_t* consumed_;
  std::size_t* max_pending_;
};

TEST_F(StageTest, MemoryStaysBoundedWhenTheConsumerIsAHundredTimesSlowerThanTheProducer) {
  constexpr std::uint64_t max_demand = 8;
  std::uint64_t consumed = 0;
  std::size_t max_pending = 0;
  pid p = sys.spawn<fast_source>(&stats);
  pid c = sys.spawn<slow_sink>(p, max_demand, &consumed, &max_pending);
  run();
  std::uint64_t max_mailbox = 0;
  for (int ms = 0; ms < 10'000; ++ms) {  // 10 s: the source could have made 10000 events
    advance(1ms);
    max_mailbox = std::max(max_mailbox, sys.info(c)->mailbox_length);
    // Everything made is consumed, queued in the sink, or in flight: never more than max_demand.
    ASSERT_LE(stats.produced, consumed + max_demand) << "at " << ms << " ms";
  }
  EXPECT_GE(consumed, 95u) << "the sink ran at its own pace";
  EXPECT_EQ(stats.max_buffered, 0u) << "a demand-driven source never needs its buffer";
  EXPECT_LE(max_pending, max_demand);
  EXPECT_LE(max_mailbox, max_demand) << "at most one events message per demanded event";
}

TEST_F(StageTest, APushingProducerBuffersAtMostBufferSizeAndCountsWhatItDrops) {
  class pusher : public producer<event> {
   public:
    pusher() : producer({.buffer_size = 5}) {}
    std::vector<event> handle_demand(std::uint64_t) override { return {}; }
    behavior make_handlers() override {
      return {[this](const test::ping& p) {
        push(std::vector<event>(p.n, 7));
        stats->buffered = buffered();
        stats->max_buffered = events_dispatcher().dropped();
      }};
    }
    producer_stats* stats = nullptr;
  };
  auto* raw = new pusher;  // spawn_prepared takes ownership
  raw->stats = &stats;
  pid p = sys.spawn_prepared(raw, {}, {}, 0, nullptr);
  sys.send(p, test::ping{12});
  run();
  EXPECT_EQ(stats.buffered, 5u);
  EXPECT_EQ(stats.max_buffered, 7u) << "dropped, oldest first";
}

TEST_F(StageTest, TheDemandDispatcherSharesEventsAmongConsumersWithoutDuplicates) {
  pid p = sys.spawn<counter>(&stats);
  std::vector<event> a, b;
  pid ca = sys.spawn<collector>(&a, p, subscription_options{.max_demand = 5, .manual = true});
  pid cb = sys.spawn<collector>(&b, p, subscription_options{.max_demand = 5, .manual = true});
  run();
  sys.send(ca, test::ping{5});
  sys.send(cb, test::ping{3});
  run();
  EXPECT_EQ(a.size(), 5u);
  EXPECT_EQ(b.size(), 3u);
  std::vector<event> all(a);
  all.insert(all.end(), b.begin(), b.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<event>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST_F(StageTest, TheBroadcastDispatcherSendsEveryEventToEveryConsumerAtTheSlowestPace) {
  pid p = sys.spawn<counter>(&stats, dispatcher_options<event>{.kind = dispatch_kind::broadcast});
  std::vector<event> a, b;
  pid ca = sys.spawn<collector>(&a, p, subscription_options{.max_demand = 5, .manual = true});
  pid cb = sys.spawn<collector>(&b, p, subscription_options{.max_demand = 5, .manual = true});
  run();
  sys.send(ca, test::ping{4});
  sys.send(cb, test::ping{2});
  run();
  EXPECT_EQ(a, (std::vector<event>{0, 1}));
  EXPECT_EQ(b, (std::vector<event>{0, 1}));
  sys.send(cb, test::ping{2});
  run();
  EXPECT_EQ(a, (std::vector<event>{0, 1, 2, 3}));
  EXPECT_EQ(b, a);
}

TEST_F(StageTest, ThePartitionDispatcherRoutesEachEventToItsPartition) {
  dispatcher_options<event> o{.kind = dispatch_kind::partition, .partitions = 2,
                              .partition_of = [](const event& e) { return std::uint32_t(e % 2); }};
  pid p = sys.spawn<counter>(&stats, o);
  std::vector<event> even, odd;
  sys.spawn<collector>(&even, p, subscription_options{.max_demand = 3, .partition = 0, .manual = false});
  sys.spawn<collector>(&odd, p, subscription_options{.max_demand = 3, .partition = 1, .manual = false});
  for (int i = 0; i < 40; ++i) sys.stepper()->dispatch_next();
  ASSERT_FALSE(even.empty());
  ASSERT_FALSE(odd.empty());
  for (auto e : even) EXPECT_EQ(e % 2, 0u);
  for (auto e : odd) EXPECT_EQ(e % 2, 1u);
  EXPECT_LE(stats.max_buffered, 6u) << "at most the two partitions' demand waits";
}

/// Doubles every event and drops multiples of 3 (a map and a filter).
class doubler : public producer_consumer<event, event> {
 public:
  explicit doubler(pid from) : from_(from) {}

 protected:
  void on_start() override { subscribe_to(from_, {.max_demand = 4}); }
  std::vector<event> handle_events(std::vector<event>& in, std::uint64_t) override {
    std::vector<event> out;
    for (auto e : in)
      if (e % 3 != 0) out.push_back(e * 2);
    return out;
  }

 private:
  pid from_;
};

TEST_F(StageTest, AProducerConsumerTransformsEventsAndAsksUpstreamOnlyWhatDownstreamWants) {
  pid p = sys.spawn<counter>(&stats);
  pid mid = sys.spawn<doubler>(p);
  run();
  EXPECT_EQ(stats.produced, 0u) << "no consumer yet, so no demand upstream";
  std::vector<event> got;
  pid c = sys.spawn<collector>(&got, mid, subscription_options{.max_demand = 10, .manual = true});
  run();
  sys.send(c, test::ping{4});
  run();
  EXPECT_EQ(got, (std::vector<event>{2, 4, 8, 10}));
  EXPECT_LE(stats.produced, 6u + 4u) << "filtered events are made up for, not over-asked";
}

TEST_F(StageTest, AConsumerStopsWithItsProducersReasonWhenTheProducerDies) {
  pid p = sys.spawn<counter>(&stats);
  std::vector<event> got;
  // Manual demand: an automatic consumer of an endless producer would never let the node idle.
  pid c = sys.spawn<collector>(&got, p, subscription_options{.max_demand = 2, .manual = true});
  scoped_actor watcher(sys);
  ref_id m = watcher->monitor(c);
  run();
  sys.exit(p, exit_reason::error("boom"));
  run();
  auto d = watcher->receive<down_msg>(0ms);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->ref, m);
  EXPECT_EQ(d->reason.to_string(), exit_reason::error("boom").to_string());
}

}  // namespace
}  // namespace troupe
