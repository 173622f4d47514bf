// One name, one node, across real troupe-node processes: a second process started under the name
// of a live member is refused by the handshake and exits non-zero within 2 s, saying which member
// holds the name, while the cluster sees no member change at all (no loss, no restart, no child
// moved); a node restarted under its own name after a SIGKILL is welcome, as before.

#include <gtest/gtest.h>

#include <chrono>

#include "tests/support/troupe_cluster.hpp"

namespace troupe {
namespace {

using namespace std::chrono_literals;
using test::troupe_cluster;

/// What a node shows of membership and placement; a duplicate must change none of it.
struct cluster_picture {
  std::vector<std::string> members;  ///< "name creation state" as each node sees them
  std::vector<test::own_children_map> children;
  std::vector<std::uint64_t> peers_lost, detections, duplicates_refused;

  bool operator==(const cluster_picture&) const = default;
};

std::uint64_t metric(const admin_metrics_reply& r, std::string_view name) {
  for (auto& m : r.metrics)
    if (m.name == name) return m.value;
  ADD_FAILURE() << "no metric " << name;
  return 0;
}

class DuplicateNameTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster = std::make_unique<troupe_cluster>(
        test::troupe_cluster_options{.binary = TROUPE_NODE_BINARY, .nodes = 3, .cookie = "dup-cookie"});
    auto started = cluster->start();
    ASSERT_TRUE(started) << started.error().message();
    for (std::size_t k = 0; k < 3; ++k) {
      ids.push_back("c" + std::to_string(k));
      ASSERT_TRUE(cluster->start_counter(k, ids.back()));
    }
    ASSERT_TRUE(troupe_cluster::eventually([&] { return cluster->settled(ids); }, 20s));
  }

  cluster_picture picture() {
    cluster_picture out;
    for (std::size_t i = 0; i < cluster->size(); ++i) {
      auto members = cluster->ask<admin_members_reply>(i, admin_members{});
      EXPECT_TRUE(members);
      if (members)
        for (auto& m : members->members)
          out.members.push_back(m.name + " " + std::to_string(m.creation) + " " + m.state);
      out.children.push_back(cluster->own_children(i).value_or(test::own_children_map{}));
      auto metrics = cluster->ask<admin_metrics_reply>(i, admin_metrics{});
      EXPECT_TRUE(metrics);
      if (!metrics) continue;
      out.peers_lost.push_back(metric(*metrics, "troupe_peers_lost_total"));
      out.detections.push_back(metric(*metrics, "troupe_failure_detections_total"));
      out.duplicates_refused.push_back(metric(*metrics, "troupe_duplicate_names_refused_total"));
    }
    return out;
  }

  /// A troupe-node named `name`, seeded with `seed`, its stderr read with its stdout.
  std::unique_ptr<test::child_process> launch(const std::string& name, const std::string& seed) {
    return std::make_unique<test::child_process>(
        std::vector<std::string>{TROUPE_NODE_BINARY, "--name", name, "--listen", "tcp://127.0.0.1:*", "--seeds", seed,
                                 "--cookie", "dup-cookie", "--profile", "aggressive", "--log-level", "warn"},
        true);
  }

  /// Runs a duplicate of member `victim` seeded with `seed` and checks that it is refused in time
  /// with a message naming the live member, and that nothing in the cluster changed meanwhile.
  void expect_refused(std::size_t victim, const std::string& seed) {
    auto before = picture();
    auto launched = std::chrono::steady_clock::now();
    auto dup = launch(cluster->name(victim), seed);
    auto status = dup->wait_exit(2s);
    auto took = std::chrono::steady_clock::now() - launched;
    ASSERT_TRUE(status) << "the duplicate still runs 2 s after its start";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) != 0) << "status " << *status;
    EXPECT_LT(took, 2s);
    std::string said, expected = "node name '" + cluster->name(victim) + "' is already in use by a live member at " +
                                 cluster->at(victim).address;
    while (auto line = dup->read_line(1s)) said += *line + "\n";
    EXPECT_NE(said.find("troupe-node: " + expected), std::string::npos) << said;

    auto after = picture();
    EXPECT_EQ(after.members, before.members) << "membership changed during the attempt";
    EXPECT_EQ(after.children, before.children) << "a global child moved or restarted during the attempt";
    EXPECT_EQ(after.peers_lost, before.peers_lost);
    EXPECT_EQ(after.detections, before.detections);
    refused = 0;
    for (std::size_t i = 0; i < after.duplicates_refused.size(); ++i)
      refused += after.duplicates_refused[i] - before.duplicates_refused[i];
  }

  std::unique_ptr<troupe_cluster> cluster;
  std::vector<std::string> ids;
  std::uint64_t refused = 0;  ///< by the cluster's nodes during the last expect_refused
};

TEST_F(DuplicateNameTest, ADuplicateSeededWithAnotherMemberIsRefusedAndTheClusterDoesNotFlap) {
  expect_refused(1, cluster->at(0).address);
  EXPECT_GE(refused, 1u) << "node 0 should have refused the duplicate itself";
}

TEST_F(DuplicateNameTest, ADuplicateSeededWithTheLiveMemberItselfIsRefused) {
  expect_refused(2, cluster->at(2).address);
}

TEST_F(DuplicateNameTest, ANodeRestartedUnderItsOwnNameAfterASigkillIsWelcome) {
  auto old_creation = [&] {
    auto members = cluster->ask<admin_members_reply>(0, admin_members{});
    for (auto& m : members.value_or(admin_members_reply{}).members)
      if (m.name == cluster->name(2)) return m.creation;
    return std::uint32_t{0};
  }();
  cluster->kill(2);
  auto restarted = launch(cluster->name(2), cluster->at(0).address);
  auto ready = restarted->read_line(10s);
  ASSERT_TRUE(ready && ready->find(" ready on ") != std::string::npos) << ready.value_or("(nothing)");
  auto up_again = [&] {
    auto members = cluster->ask<admin_members_reply>(0, admin_members{});
    if (!members) return false;
    for (auto& m : members->members)
      if (m.name == cluster->name(2) && m.state == "up" && m.creation != old_creation) return true;
    return false;
  };
  EXPECT_TRUE(troupe_cluster::eventually(up_again, 10s)) << "the restarted node did not become an up member";
  EXPECT_FALSE(restarted->wait_exit(200ms)) << "the restarted node was refused";
}

}  // namespace
}  // namespace troupe
