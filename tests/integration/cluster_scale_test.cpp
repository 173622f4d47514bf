// Thirty-two real troupe-node processes on 127.0.0.1 (issue 19): they form a cluster, every
// member detects a SIGKILLed and a SIGSTOPped member, global names converge on every member, the
// global children move off the killed member exactly once, the stopped
// member comes back when it is continued, and every node shuts down cleanly on SIGTERM.
// Behaviour only: the timings are the benchmark's (bench/idle_cluster.sh, bench/cluster_bench).
// Default detector profile, so this also says that 32 nodes on a 2-core machine raise no false
// loss; run alone (RUN_SERIAL), as a cluster of this size is the machine's whole load.

#include <sys/wait.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/support/troupe_cluster.hpp"

namespace troupe {
namespace {

using namespace std::chrono_literals;
using test::troupe_cluster;

constexpr std::size_t cluster_size = 32;
constexpr auto converge_timeout = 60s;

class ClusterScaleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster = std::make_unique<troupe_cluster>(test::troupe_cluster_options{.binary = TROUPE_NODE_BINARY,
                                                                           .nodes = cluster_size,
                                                                           .profile = "default",
                                                                           .cookie = "scale",
                                                                           .start_timeout = converge_timeout});
    auto started = cluster->start();
    ASSERT_TRUE(started) << started.error().message();
  }

  std::set<std::string> live_names() const {
    std::set<std::string> out;
    for (auto i : cluster->live()) out.insert(cluster->name(i));
    return out;
  }

  /// Every live member sees exactly the live members up.
  bool membership_agrees() {
    const auto want = live_names();
    for (auto i : cluster->live()) {
      auto up = cluster->up_members(i);
      if (!up || *up != want) return false;
    }
    return true;
  }

  /// Every live member resolves each of `names` to the same process, on a live member.
  bool names_agree(const std::vector<std::string>& names) {
    const auto live = live_names();
    std::map<std::string, pid> first;
    for (auto i : cluster->live())
      for (auto& n : names) {
        auto r = cluster->ask<admin_whereis_reply>(i, admin_whereis{n});
        if (!r || r->where.is_null() || r->scope != "global") return false;
        if (!live.contains(node_name(r->where.node))) return false;
        if (auto [it, fresh] = first.emplace(n, r->where); !fresh && it->second != r->where) return false;
      }
    return true;
  }

  std::unique_ptr<troupe_cluster> cluster;
};

TEST_F(ClusterScaleTest, ThirtyTwoNodesDetectAKilledAndAStoppedMemberConvergeAndShutDownCleanly) {
  ASSERT_EQ(cluster->live().size(), cluster_size);
  // Global children, each registered under its id, started through different members.
  const std::vector<std::string> ids{"c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"};
  for (std::size_t k = 0; k < ids.size(); ++k) {
    auto r = cluster->start_counter(k * 4, ids[k]);
    ASSERT_TRUE(r) << ids[k] << ": " << r.error().message();
  }
  std::map<std::string, std::string> where;
  ASSERT_TRUE(troupe_cluster::eventually([&] { return cluster->settled(ids, &where); }, converge_timeout))
      << "the children were not placed once each, as every member sees it";
  ASSERT_TRUE(troupe_cluster::eventually([&] { return names_agree(ids); }, converge_timeout))
      << "the members do not resolve the children's global names alike";
  // SIGKILL: the member running c0 (never node 0, which seeds the others' restarts).
  std::size_t killed = *cluster->index_of(where.at("c0"));
  if (killed == 0) killed = *cluster->index_of(where.at("c1") != cluster->name(0) ? where.at("c1") : cluster->name(1));
  cluster->kill(killed);
  EXPECT_TRUE(troupe_cluster::eventually([&] { return membership_agrees(); }, converge_timeout))
      << "not every member saw " << cluster->name(killed) << " down (and every other member up)";
  EXPECT_TRUE(troupe_cluster::eventually([&] { return cluster->settled(ids, &where); }, converge_timeout))
      << "the killed member's children did not run again exactly once on the survivors";
  EXPECT_TRUE(troupe_cluster::eventually([&] { return names_agree(ids); }, converge_timeout))
      << "the global names did not converge after the kill";
  EXPECT_TRUE(cluster->duplicates().empty());

  // SIGSTOP: a hung member is detected like a dead one, then comes back when continued.
  const std::size_t stopped = killed == cluster_size - 1 ? cluster_size - 2 : cluster_size - 1;
  cluster->pause(stopped);
  EXPECT_TRUE(troupe_cluster::eventually([&] { return membership_agrees(); }, converge_timeout))
      << "not every member saw the stopped " << cluster->name(stopped) << " down";
  EXPECT_TRUE(troupe_cluster::eventually([&] { return cluster->settled(ids); }, converge_timeout));
  cluster->resume(stopped);
  EXPECT_TRUE(troupe_cluster::eventually([&] { return membership_agrees(); }, converge_timeout))
      << cluster->name(stopped) << " did not come back up on every member after SIGCONT";
  EXPECT_TRUE(troupe_cluster::eventually([&] { return cluster->settled(ids) && names_agree(ids); }, converge_timeout));
  EXPECT_TRUE(cluster->duplicates().empty());

  // Shutdown: SIGTERM to every member; each drains and exits with status 0.
  const auto members = cluster->live();
  for (auto i : members) cluster->terminate(i);
  for (auto i : members) {
    auto status = cluster->at(i).process->wait_exit(30s);
    ASSERT_TRUE(status.has_value()) << cluster->name(i) << " did not exit within 30 s of SIGTERM";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << cluster->name(i) << " exited with status " << *status;
  }
}

}  // namespace
}  // namespace troupe
