// troupe::cluster_node on its two kinds of network: the ZeroMQ transport of the default runtime, and a
// simulated network, where only `network()` exists and `net()` refuses loudly instead of
// dereferencing a null pointer.
#include "troupe/cluster/cluster_node.hpp"

#include <gtest/gtest.h>

#include <type_traits>

#include "simulation/world.hpp"

namespace troupe {
namespace node_test {

TEST(NodeTest, ANodeOnTheDefaultRuntimeHasItsZeroMqTransport) {
  auto n = cluster_node::start({.name = "node-test-zmq"});
  ASSERT_TRUE(n) << n.error().message();
  ASSERT_NE((*n)->zmq_transport(), nullptr);
  EXPECT_EQ(&(*n)->net(), (*n)->zmq_transport());
  EXPECT_EQ(static_cast<transport::network*>((*n)->zmq_transport()), &(*n)->network());
}

TEST(NodeTest, ANodeOnASimulatedNetworkHasNoZeroMqTransport) {
  sim::world w(4, {.nodes = 1});
  auto& n = *w.at(0).n;
  EXPECT_EQ(n.zmq_transport(), nullptr);
  EXPECT_EQ(&n.network(), static_cast<transport::network*>(w.at(0).net));
}

TEST(NodeDeathTest, NetOnASimulatedNetworkAbortsNamingTheWayOut) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        sim::world w(5, {.nodes = 1});
        (void)w.at(0).n->net();
      },
      "network other than ZeroMQ.*use network\\(\\)");
}

// Code written against 0.1 keeps compiling until 0.3: the old name is the same class.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static_assert(std::is_same_v<troupe::node, cluster_node>, "troupe::node is a deprecated alias of cluster_node");
#pragma GCC diagnostic pop

}  // namespace node_test
}  // namespace troupe
