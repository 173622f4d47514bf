// The global supervisor's replica of child specs and reports alone
// (cluster/global_supervisor_replica.hpp): records converge whatever the delivery order,
// tombstones beat the add they remove, late copies of a peer's state never undo a newer one,
// and a lost node's reports are forgotten. Also the rebalance budget.
#include "troupe/cluster/global_supervisor_rebalance.hpp"
#include "troupe/cluster/global_supervisor_replica.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace troupe::gs {
namespace replica_test {

child_record record(std::uint64_t version, const std::string& origin, bool removed = false) {
  return {.id = "billing", .type = "counter", .version = version, .origin = origin, .removed = removed};
}

TEST(GlobalSupervisorReplicaTest, ReplicasKeepTheGreatestVersionThenOriginWhateverTheOrder) {
  std::vector<child_record> writes{record(5, "n1"), record(7, "n2", true), record(7, "n1"), record(3, "n3")};
  std::sort(writes.begin(), writes.end(), [](auto& a, auto& b) { return a.origin < b.origin; });
  do {
    spec_replica r;
    for (auto& w : writes) r.merge(w);
    ASSERT_NE(r.find("billing"), nullptr);
    EXPECT_EQ(r.find("billing")->version, 7u);
    EXPECT_EQ(r.find("billing")->origin, "n2");
    EXPECT_TRUE(r.find("billing")->removed);
  } while (std::next_permutation(writes.begin(), writes.end(), [](auto& a, auto& b) { return a.origin < b.origin; }));
}

TEST(GlobalSupervisorReplicaTest, MergeSaysWhetherTheRecordWasNews) {
  spec_replica r;
  EXPECT_TRUE(r.merge(record(5, "n1")));
  EXPECT_FALSE(r.merge(record(5, "n1")));
  EXPECT_FALSE(r.merge(record(4, "n9")));
  EXPECT_TRUE(r.merge(record(6, "n1", true)));
  EXPECT_TRUE(newer(record(6, "n2"), record(6, "n1")));
}

TEST(GlobalSupervisorReplicaTest, AnOlderSyncOrReportFromAPeerIsIgnored) {
  spec_replica r;
  EXPECT_TRUE(r.fresh("n2", 3));
  EXPECT_FALSE(r.fresh("n2", 3));
  EXPECT_FALSE(r.fresh("n2", 2));
  EXPECT_TRUE(r.fresh("n3", 1));  // each peer counts on its own
  r.forget("n2");
  EXPECT_TRUE(r.fresh("n2", 1));  // its next incarnation counts from zero
}

TEST(GlobalSupervisorReplicaTest, ReportsSayWhereAChildRunsUntilWithdrawnOrTheNodeIsForgotten) {
  spec_replica r;
  r.replace_reports("n2", {{.id = "a", .running = true}, {.id = "b", .failed = true}});
  r.apply_report("n3", {.id = "b", .running = true});
  EXPECT_TRUE(r.runs("n2", "a"));
  EXPECT_TRUE(r.running_elsewhere("a", {"n1", "n2"}, "n1"));
  EXPECT_FALSE(r.running_elsewhere("a", {"n1", "n2"}, "n2"));
  std::string where;
  EXPECT_TRUE(r.best_report("b", {"n2", "n3"}, where).running);  // a running copy beats a failed one
  EXPECT_EQ(where, "n3");
  r.apply_report("n3", {.id = "b"});  // neither running nor failed: withdrawn
  EXPECT_FALSE(r.runs("n3", "b"));
  EXPECT_EQ(r.forget("n2"), std::vector<std::string>{"a"});
  EXPECT_FALSE(r.runs("n2", "a"));
  r.replace_reports("n3", {});
  EXPECT_FALSE(r.running_elsewhere("b", {"n1", "n2", "n3"}, "n1"));
}

TEST(GlobalSupervisorReplicaTest, RebalancingMovesAtMostItsBudgetEachSecond) {
  rebalance_budget budget;
  const time_point t0{std::chrono::seconds(100)};
  int moved = 0;
  for (int i = 0; i < 10; ++i) moved += budget.take(t0 + std::chrono::milliseconds(i * 10), 3);
  EXPECT_EQ(moved, 3);
  EXPECT_TRUE(budget.take(t0 + std::chrono::seconds(1), 3));
}

}  // namespace replica_test
}  // namespace troupe::gs
