#include <gtest/gtest.h>

#include <zmq.hpp>

#include "tests/support/node_pair.hpp"
#include "tests/support/test_messages.hpp"
#include "troupe/transport/codec.hpp"

namespace troupe {
namespace {

using test::ping;
using test::text;
using namespace std::chrono_literals;

/// Waits until `counter` reaches at least `n`, or gives up after `timeout`.
bool wait_for(const std::atomic<std::uint64_t>& counter, std::uint64_t n, duration timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (counter.load() < n)
    if (std::chrono::steady_clock::now() > deadline) return false;
    else std::this_thread::yield();
  return true;
}

TEST(TransportSecurityTest, APeerWithTheWrongCookieIsRefusedAndCounted) {
  test::test_node a{test::unique_name("a"), test::fast_config("right")};
  test::test_node intruder{test::unique_name("x"), test::fast_config("wrong")};
  intruder.net->connect(a.net->address());
  EXPECT_TRUE(wait_for(intruder.net->stats().auth_failures, 1));
  EXPECT_FALSE(intruder.net->connected(a.system->node_name()));
  EXPECT_FALSE(a.net->connected(intruder.system->node_name()));
}

TEST(TransportSecurityTest, AServerWithTheWrongCookieIsNotTrusted) {
  test::test_node a{test::unique_name("a"), test::fast_config("right")};
  test::test_node impostor{test::unique_name("x"), test::fast_config("wrong")};
  a.net->connect(impostor.net->address());
  EXPECT_TRUE(wait_for(a.net->stats().auth_failures, 1));
  EXPECT_FALSE(a.net->connected(impostor.system->node_name()));
}

class RawPeerTest : public ::testing::Test {
 protected:
  test::test_node a{test::unique_name("a"), test::fast_config()};
  zmq::context_t ctx;
  zmq::socket_t raw{ctx, zmq::socket_type::dealer};
  void SetUp() override {
    raw.set(zmq::sockopt::linger, 0);
    raw.set(zmq::sockopt::routing_id, "raw-peer");
    raw.connect(a.net->address());
  }
  void send_raw(const std::string& bytes) { raw.send(zmq::buffer(bytes), zmq::send_flags::none); }
  /// The node still serves a legitimate peer.
  void expect_node_still_serves() {
    test::test_node b{test::unique_name("b"), test::fast_config()};
    ASSERT_TRUE(test::connect(b, a));
    scoped_actor target(*a.system);
    scoped_actor sender(*b.system);
    sender->send(target.self(), text{"still here"});
    EXPECT_TRUE(target->receive<text>(10s));
  }
};

TEST_F(RawPeerTest, GarbageBytesAreCountedAndTheNodeSurvives) {
  send_raw(std::string("\xc1\xff\x00garbage", 10));
  ASSERT_TRUE(wait_for(a.net->stats().malformed_frames, 1));
  expect_node_still_serves();
}

TEST_F(RawPeerTest, AHostileLengthPrefixIsRefusedBeforeAllocating) {
  send_raw(std::string("\x91\xdd\x7f\xff\xff\xff\x01", 7));  // [array of 2^31 elements]
  ASSERT_TRUE(wait_for(a.net->stats().malformed_frames, 1));
  expect_node_still_serves();
}

TEST_F(RawPeerTest, AMessageBeforeTheHandshakeIsRejected) {
  msgpack::sbuffer buf;
  auto e = make_envelope<text>(pid{}, text{"sneaky"});
  transport::encode_message_head(buf, "test.text");
  transport::encode_message_tail(buf, std::string_view("anyone"), *e);
  send_raw(std::string(buf.data(), buf.size()));
  ASSERT_TRUE(wait_for(a.net->stats().protocol_violations, 1));
  zmq::message_t reply;
  raw.set(zmq::sockopt::rcvtimeo, 5000);
  ASSERT_TRUE(raw.recv(reply));
  {
    transport::wire_limits limits;
    transport::frame_reader r(static_cast<const char*>(reply.data()), reply.size(), limits);
    auto f = r.next();
    ASSERT_TRUE(f);
    EXPECT_EQ(std::get<transport::frame_kind>(transport::kind_of(*f)), transport::frame_kind::reject);
  }
  EXPECT_EQ(a.system->counters().dead_letters.load(), 0u);
  expect_node_still_serves();
}

TEST(TransportEncryptionTest, CurveEncryptedNodesExchangeMessages) {
  auto cfg = test::fast_config("shared");
  cfg.curve = true;
  test::test_node a{test::unique_name("a"), cfg};
  test::test_node b{test::unique_name("b"), cfg};
  ASSERT_TRUE(test::connect(a, b));
  scoped_actor target(*b.system);
  scoped_actor sender(*a.system);
  sender->send(target.self(), ping{7});
  auto got = target->receive<ping>(10s);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->n, 7u);
}

}  // namespace
}  // namespace troupe
