// gen_server multi_call and abcast across three real nodes over ZeroMQ (OTP gen_server:multi_call,
// gen_server:abcast).
#include "troupe/node/behaviour/gen_server_multi_call.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>

#include "troupe/node/behaviour/gen_server.hpp"
#include "troupe/node/behaviour/start_link.hpp"

#include "tests/support/eventually.hpp"
#include "tests/support/node_pair.hpp"

namespace troupe::multi_call_test {
struct which_node {
  MSGPACK_DEFINE();
};
struct node_is {
  std::string name;
  MSGPACK_DEFINE(name);
};
/// A call the server keeps without answering.
struct hold_on {
  MSGPACK_DEFINE();
};
struct reload {
  int n = 0;
  MSGPACK_DEFINE(n);
};
}  // namespace troupe::multi_call_test

TROUPE_MESSAGE(troupe::multi_call_test::which_node, "multi_call_test.which_node");
TROUPE_MESSAGE(troupe::multi_call_test::node_is, "multi_call_test.node_is");
TROUPE_MESSAGE(troupe::multi_call_test::hold_on, "multi_call_test.hold_on");
TROUPE_MESSAGE(troupe::multi_call_test::reload, "multi_call_test.reload");

namespace troupe {
namespace {

using namespace multi_call_test;
using namespace std::chrono_literals;

/// Answers which_node with its node's name, keeps hold_on calls, counts reload casts.
class config_server : public gen_server {
 public:
  explicit config_server(std::atomic<int>* reloads) : reloads_(reloads) {}

 protected:
  behavior make_handlers() override {
    return {[this](const which_node&) { return node_is{system().node_name()}; },
            [](const hold_on&) -> void {},
            [this](const reload& r) -> void { reloads_->fetch_add(r.n); }};
  }

 private:
  std::atomic<int>* reloads_;
};

auto steady_now() { return std::chrono::steady_clock::now(); }

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

class MultiCallTest : public ::testing::Test {
 protected:
  test::test_node a{test::unique_name("a"), test::fast_config()};
  test::test_node b{test::unique_name("b"), test::fast_config()};
  test::test_node c{test::unique_name("c"), test::fast_config()};
  std::atomic<int> reloads_a{0}, reloads_b{0};

  void SetUp() override {
    ASSERT_TRUE(test::connect(a, b));
    ASSERT_TRUE(test::connect(a, c));
    ASSERT_TRUE(start<config_server>(*a.system, start_options::local("config"), &reloads_a));
    ASSERT_TRUE(start<config_server>(*b.system, start_options::local("config"), &reloads_b));
    // c runs no server called "config"
  }
  std::vector<std::string> answered(const multi_call_result<node_is>& r) {
    std::vector<std::string> out;
    for (auto& [node, reply] : r.replies) {
      EXPECT_EQ(node, reply.name) << "each reply is paired with the node that sent it";
      out.push_back(node);
    }
    return sorted(out);
  }
};

TEST_F(MultiCallTest, CallsTheNameOnThisAndEveryConnectedNodeAndReportsTheBadOnes) {
  // OTP gen_server:multi_call(Name, Request): "makes a synchronous call to all gen_server
  // processes locally registered as Name at the specified nodes" (node() and nodes());
  // returns {Replies, BadNodes}, BadNodes being "nodes that either did not exist, or where
  // the gen_server Name did not exist or did not reply".
  auto r = multi_call<node_is>(*a.system, "config", which_node{}, 5s);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(answered(*r), sorted({a.system->node_name(), b.system->node_name()}));
  EXPECT_EQ(r->bad_nodes, std::vector<std::string>{c.system->node_name()});
}

TEST_F(MultiCallTest, AGivenListOfNodesIsCalledAndAnUnknownNodeIsBad) {
  // multi_call(Nodes, Name, Request): only the nodes listed; a node that does not exist is bad.
  auto r = multi_call<node_is>(*a.system, {b.system->node_name(), "no-such-node"}, "config", which_node{}, 5s);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(answered(*r), std::vector<std::string>{b.system->node_name()});
  EXPECT_EQ(r->bad_nodes, std::vector<std::string>{"no-such-node"});
}

TEST_F(MultiCallTest, ANodeWhoseServerDoesNotReplyInTimeIsBad) {
  // multi_call/4 Timeout: "nodes that did not reply within Timeout ... are put in BadNodes";
  // a late reply never reaches the caller afterwards.
  auto started = steady_now();
  auto r = multi_call<node_is>(*a.system, {b.system->node_name()}, "config", hold_on{}, 300ms);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->replies.empty());
  EXPECT_EQ(r->bad_nodes, std::vector<std::string>{b.system->node_name()});
  EXPECT_GE(steady_now() - started, 300ms);
}

TEST_F(MultiCallTest, ANodeLostDuringTheCallIsBad) {
  // A node that goes down before it answers is a bad node (the monitor fires noconnection);
  // the call does not wait for the timeout.
  auto lost = std::make_unique<test::test_node>(test::unique_name("d"), test::fast_config());
  ASSERT_TRUE(test::connect(a, *lost));
  ASSERT_TRUE(start<config_server>(*lost->system, start_options::local("config"), &reloads_b));
  std::string lost_name = lost->system->node_name();
  pid server = *lost->system->whereis("config");
  std::thread killer([&] {  // takes the node away once its server holds the call
    test::eventually([&] { return lost->system->info(server)->messages_handled > 0; }, 10s);
    lost.reset();
  });
  auto started = steady_now();
  auto r = multi_call<node_is>(*a.system, {lost_name}, "config", hold_on{}, 30s);
  killer.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->bad_nodes, std::vector<std::string>{lost_name});
  EXPECT_LT(steady_now() - started, 20s);
}

TEST_F(MultiCallTest, AbcastReachesTheNameOnEveryConnectedNode) {
  // OTP gen_server:abcast(Name, Request): "sends an asynchronous request to the gen_server
  // processes locally registered as Name at the specified nodes"; it returns at once whether
  // or not the nodes or servers exist.
  abcast(*a.system, "config", reload{1});
  abcast(*a.system, {b.system->node_name(), c.system->node_name(), "no-such-node"}, "config", reload{10});
  EXPECT_TRUE(test::eventually([&] { return reloads_a.load() == 1 && reloads_b.load() == 11; }, 10s))
      << "a=" << reloads_a.load() << " b=" << reloads_b.load();
}

TEST_F(MultiCallTest, MultiCallFromASchedulerThreadIsRefused) {
  // It blocks its thread, as call does: inside a process use request instead.
  std::atomic<int> code{-1};
  a.system->spawn([&code](actor& self) -> behavior {
    auto r = multi_call<node_is>(self.system(), "config", which_node{}, 1s);
    code = r ? 0 : static_cast<int>(r.error().code());
    return {};
  });
  ASSERT_TRUE(test::eventually([&] { return code.load() != -1; }, 10s));
  EXPECT_EQ(code.load(), static_cast<int>(errc::invalid_argument));
}

}  // namespace
}  // namespace troupe
