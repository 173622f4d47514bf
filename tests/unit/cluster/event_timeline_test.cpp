// The event timeline (bounded, numbered, read incrementally) and the tracker that turns the global
// supervisor's successive views of its children into events.
#include "troupe/cluster/event_timeline.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "troupe/cluster/child_events.hpp"

namespace troupe {
namespace {

std::vector<std::string> kinds_of(const std::vector<cluster_event>& events) {
  std::vector<std::string> out;
  for (auto& e : events) out.push_back(e.kind + " " + e.subject + " " + e.from + ">" + e.to);
  return out;
}

TEST(EventTimelineTest, NumbersEventsAndReturnsThoseAfterASequenceNumber) {
  event_timeline t;
  EXPECT_EQ(t.last_seq(), 0u);
  EXPECT_TRUE(t.since().empty());
  EXPECT_EQ(t.record("member.up", "n1"), 1u);
  EXPECT_EQ(t.record("member.down", "n2", {}, {}, "lost"), 2u);
  EXPECT_EQ(t.record("quorum.lost", {}), 3u);
  EXPECT_EQ(t.last_seq(), 3u);
  EXPECT_EQ(kinds_of(t.since(1)), (std::vector<std::string>{"member.down n2 >", "quorum.lost  >"}));
  EXPECT_TRUE(t.since(3).empty());
  EXPECT_TRUE(t.since(99).empty());
  EXPECT_EQ(t.since(0, 1).front().seq, 3u) << "a limit keeps the newest";
  EXPECT_EQ(t.since(0).front().detail, "");
  EXPECT_EQ(t.since(1).front().detail, "lost");
}

TEST(EventTimelineTest, StampsEventsWithTheWallClockInMilliseconds) {
  using namespace std::chrono;
  const auto before = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  event_timeline t;
  t.record("member.up", "n1");
  const auto after = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  EXPECT_GE(t.since().front().unix_ms, before);
  EXPECT_LE(t.since().front().unix_ms, after);
}

TEST(EventTimelineTest, KeepsOnlyTheNewestEventsUpToItsCapacity) {
  event_timeline t(3);
  for (int i = 0; i < 10; ++i) t.record("member.up", "n" + std::to_string(i));
  auto kept = t.since();
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept.front().seq, 8u);
  EXPECT_EQ(kept.back().subject, "n9");
  EXPECT_EQ(t.since(2).size(), 3u) << "what is gone is skipped, not an error";
  EXPECT_EQ(t.since(8).size(), 2u);
}

TEST(EventTimelineTest, WritersOnSeveralThreadsGetDistinctConsecutiveNumbers) {
  event_timeline t(100'000);
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w)
    writers.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) t.record("child.started", "c");
    });
  for (auto& w : writers) w.join();
  auto all = t.since();
  ASSERT_EQ(all.size(), 4000u);
  for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i].seq, i + 1);
}

global_child_info child(std::string id, std::string node, std::uint64_t serial, std::uint32_t restarts = 0) {
  global_child_info c;
  c.id = std::move(id);
  c.node = std::move(node);
  if (!c.node.empty()) c.child = pid{1, 1, serial};
  c.restarts = restarts;
  return c;
}

TEST(ChildEventTrackerTest, AChildThatStopsWithItsNodeAndRunsElsewhereReadsAsMovedFromTo) {
  event_timeline t;
  child_event_tracker tracker;
  tracker.observe({child("kv", "n3", 10)}, t);
  tracker.observe({child("kv", "n3", 10)}, t);  // nothing changed: nothing recorded
  auto waiting = child("kv", "", 0);
  waiting.waiting = "no node up hosts type 'kv'";
  tracker.observe({waiting}, t);
  tracker.observe({waiting}, t);
  tracker.observe({child("kv", "n1", 11)}, t);
  EXPECT_EQ(kinds_of(t.since()), (std::vector<std::string>{"child.started kv >n3", "child.stopped kv n3>",
                                                           "child.waiting kv >", "child.moved kv n3>n1"}));
  EXPECT_EQ(t.since()[1].detail, waiting.waiting);
}

TEST(ChildEventTrackerTest, AMoveSeenInOneViewIsOneEvent) {
  event_timeline t;
  child_event_tracker tracker;
  tracker.observe({child("a", "n1", 1)}, t);
  tracker.observe({child("a", "n2", 2)}, t);
  EXPECT_EQ(kinds_of(t.since(1)), (std::vector<std::string>{"child.moved a n1>n2"}));
}

TEST(ChildEventTrackerTest, ANewPidOnTheSameNodeIsARestartWhenTheCountGrewElseAStartAgain) {
  event_timeline t;
  child_event_tracker tracker;
  tracker.observe({child("a", "n1", 1)}, t);
  tracker.observe({child("a", "n1", 2, 1)}, t);  // crashed and restarted in place
  tracker.observe({child("a", "", 0, 1)}, t);     // stopped (say, this node lost quorum)
  tracker.observe({child("a", "n1", 3, 1)}, t);   // started again on the same node
  auto events = t.since();
  EXPECT_EQ(kinds_of(events), (std::vector<std::string>{"child.started a >n1", "child.restarted a n1>n1",
                                                        "child.stopped a n1>", "child.started a >n1"}));
  EXPECT_EQ(events[1].detail, "restart 1");
}

TEST(ChildEventTrackerTest, AFailedChildAndARemovedSpecAreRecordedOnce) {
  event_timeline t;
  child_event_tracker tracker;
  tracker.observe({child("a", "n1", 1), child("b", "n2", 2)}, t);
  auto failed = child("a", "", 0, 4);
  failed.failed = true;
  tracker.observe({failed, child("b", "n2", 2)}, t);
  tracker.observe({failed}, t);
  tracker.observe({failed}, t);
  EXPECT_EQ(kinds_of(t.since(2)), (std::vector<std::string>{"child.stopped a n1>", "child.failed a n1>",
                                                             "child.removed b n2>"}));
  EXPECT_EQ(t.since(3).front().detail, "gave up after restart 4");
}

}  // namespace
}  // namespace troupe
