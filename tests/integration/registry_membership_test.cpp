/// The registry replicas and process groups of a cluster node follow membership's view of who
/// is up — the list the global supervisor reads — and still serve hidden nodes, which are not
/// members. Real nodes over ZeroMQ on 127.0.0.1; every wait polls with a deadline.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "troupe/cluster/cluster_node.hpp"
#include "troupe/registry/global_registry.hpp"
#include "troupe/registry/process_groups.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/node_pair.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe::test {
namespace {

using namespace std::chrono_literals;

/// A cluster node with its replicas; `members`: whether they follow membership's view.
struct replica_node {
  std::unique_ptr<cluster_node> node;
  std::unique_ptr<global_registry> names;
  std::unique_ptr<process_groups> groups;

  replica_node(const std::string& name, std::vector<std::string> seeds, bool members) {
    node_config cfg{.name = name, .threads = 1};
    cfg.transport = fast_config("one-view");
    cfg.seeds = std::move(seeds);
    cfg.membership.gossip_interval = 100ms;
    auto started = cluster_node::start(cfg);
    if (!started) throw std::runtime_error(started.error().message());
    node = std::move(*started);
    global_registry_options n;
    process_groups_options g;
    if (members) n.members = g.members = &node->membership();
    names = start_global_registry(node->system(), node->net(), n);
    groups = start_process_groups(node->system(), node->net(), g);
  }
  ~replica_node() {
    groups.reset();
    names.reset();
    if (node) node->stop();
  }
  actor_system& system() { return node->system(); }
  [[nodiscard]] bool sees_up(const std::string& peer) {
    auto r = node->membership().reachable();
    return std::ranges::find(r, peer) != r.end();
  }
};

pid spawn_idle(actor_system& sys) {
  return sys.spawn([](actor&) -> behavior { return {[](const test::ping&) {}}; });
}

TEST(RegistryMembershipTest, NamesAndGroupMembersOfANodeMembershipSeesDownVanishAndComeBackWithIt) {
  const auto a = unique_name("ov-a"), b = unique_name("ov-b"), c = unique_name("ov-c");
  replica_node na(a, {}, true);
  replica_node nb(b, {na.node->address()}, true);
  replica_node nc(c, {na.node->address()}, true);
  ASSERT_TRUE(eventually([&] { return na.sees_up(b) && na.sees_up(c) && nb.sees_up(c); }));

  pid worker = spawn_idle(nc.system());
  ASSERT_TRUE(nc.names->register_name("ov-worker", worker));
  ASSERT_TRUE(nc.groups->join("ov-group", worker));
  ASSERT_TRUE(eventually([&] { return na.names->whereis("ov-worker") == worker && na.groups->members("ov-group").size() == 1; }));

  // Cut c off from a: a's membership marks c down, and a's replicas drop what c owns.
  na.node->net().set_blocked(c, true);
  nc.node->net().set_blocked(a, true);
  ASSERT_TRUE(eventually([&] { return !na.sees_up(c); })) << "a never saw c down";
  EXPECT_TRUE(eventually([&] { return !na.names->whereis("ov-worker") && na.groups->members("ov-group").empty(); }))
      << "a's replicas kept the names of a node its membership sees down";
  EXPECT_EQ(nb.names->whereis("ov-worker"), worker) << "b still reaches c and keeps its name";

  // Heal: membership sees c up again, and the replicas sync with it.
  na.node->net().set_blocked(c, false);
  nc.node->net().set_blocked(a, false);
  ASSERT_TRUE(eventually([&] { return na.sees_up(c); })) << "a never saw c up again";
  EXPECT_TRUE(eventually([&] { return na.names->whereis("ov-worker") == worker && na.groups->members("ov-group").size() == 1; }))
      << "a's replicas did not resync with c after it came back";
}

TEST(RegistryMembershipTest, AHiddenNodeIsNoMemberYetItsNamesAreSeenAndDroppedWhenItGoes) {
  const auto a = unique_name("ov-a"), b = unique_name("ov-b");
  replica_node na(a, {}, true);
  replica_node nb(b, {na.node->address()}, true);
  ASSERT_TRUE(eventually([&] { return na.sees_up(b) && nb.sees_up(a); }));

  // A client program's hidden node with replicas of its own (as examples/demo_cluster runs).
  auto client = std::make_unique<replica_node>("~" + unique_name("ov-client"), std::vector{na.node->address()}, false);
  const auto client_name = client->system().node_name();
  pid p = spawn_idle(client->system());
  ASSERT_TRUE(eventually([&] { return na.node->net().connected(client_name); }));
  ASSERT_TRUE(client->names->register_name("ov-client-name", p));
  ASSERT_TRUE(eventually([&] { return na.names->whereis("ov-client-name") == p; }));
  auto members = na.node->membership().members();
  EXPECT_TRUE(std::ranges::none_of(members, [&](const member& m) { return m.name == client_name; }))
      << "a hidden node became a member";

  client.reset();  // it says BYE and goes
  EXPECT_TRUE(eventually([&] { return !na.names->whereis("ov-client-name"); }))
      << "the name of a hidden node that went away stayed in a member's replica";
}

}  // namespace
}  // namespace troupe::test
