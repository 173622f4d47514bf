// Five troupe-node processes and an observer node in this process: joining through any seed,
// SIGKILL and SIGSTOP seen by every member, a stopped node rejoining after SIGCONT.

#include <gtest/gtest.h>

#include <csignal>

#include "troupe/cluster/cluster_node.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/node_pair.hpp"

namespace troupe {
namespace {

using namespace std::chrono_literals;

using test::eventually;

class ClusterProcessesTest : public ::testing::Test {
 protected:
  std::unique_ptr<cluster_node> observer;
  std::vector<std::unique_ptr<test::child_process>> children;
  std::vector<std::string> names;

  void SetUp() override {
    node_config cfg{.name = test::unique_name("observer"), .threads = 1};
    cfg.transport = test::fast_config("five");
    cfg.membership.gossip_interval = 100ms;
    observer = std::move(*cluster_node::start(cfg));
    std::string seed = observer->address();
    for (int i = 0; i < 5; ++i) {
      names.push_back(test::unique_name("proc" + std::to_string(i)));
      children.push_back(std::make_unique<test::child_process>(std::vector<std::string>{
          TROUPE_NODE_BINARY, "--name", names.back(), "--listen", "tcp://127.0.0.1:*", "--seeds", seed, "--cookie",
          "five", "--heartbeat-ms", "50", "--threads", "1", "--log-level", "error"}));
      auto ready = children.back()->read_line(10s);
      ASSERT_TRUE(ready) << "node " << i << " did not start";
      // Each node seeds from the one before it: membership must spread by gossip.
      seed = ready->substr(ready->find(" ready on ") + 10);
      seed = seed.substr(0, seed.find(' '));
    }
  }

  member_state state_of(const std::string& name) {
    for (auto& m : observer->membership().members())
      if (m.name == name) return m.state;
    return member_state::joining;
  }
  bool all_up() {
    for (auto& n : names)
      if (state_of(n) != member_state::up) return false;
    return true;
  }
};

TEST_F(ClusterProcessesTest, FiveProcessesJoinThroughAChainOfSeeds) {
  ASSERT_TRUE(eventually([&] { return all_up(); }));
  EXPECT_TRUE(observer->membership().has_quorum());
}

TEST_F(ClusterProcessesTest, AKilledNodeIsMarkedDownAndTheRestKeepQuorum) {
  ASSERT_TRUE(eventually([&] { return all_up(); }));
  children[3]->signal(SIGKILL);
  ASSERT_TRUE(eventually([&] { return state_of(names[3]) == member_state::down; }, 10s));
  for (int i : {0, 1, 2, 4}) EXPECT_EQ(state_of(names[i]), member_state::up);
  EXPECT_TRUE(observer->membership().has_quorum());
}

TEST_F(ClusterProcessesTest, AStoppedNodeIsMarkedDownThenRejoinsAfterSigcont) {
  ASSERT_TRUE(eventually([&] { return all_up(); }));
  children[1]->signal(SIGSTOP);
  ASSERT_TRUE(eventually([&] { return state_of(names[1]) == member_state::down; }, 10s));
  children[1]->signal(SIGCONT);
  ASSERT_TRUE(eventually([&] { return state_of(names[1]) == member_state::up; }));
}

}  // namespace
}  // namespace troupe
