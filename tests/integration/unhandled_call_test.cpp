// A call across nodes whose type the target has no handler for is answered at once, over the
// wire, with an error naming the type and the target (troupe.unhandled_call), not a timeout.

#include <gtest/gtest.h>

#include "troupe/node/call.hpp"
#include "tests/support/node_pair.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using namespace std::chrono_literals;

class UnhandledCallTest : public ::testing::Test {
 protected:
  test::test_node a{test::unique_name("a"), test::fast_config()};
  test::test_node b{test::unique_name("b"), test::fast_config()};
  void SetUp() override { ASSERT_TRUE(test::connect(a, b)); }
};

TEST_F(UnhandledCallTest, ARemoteCallOfAnUnhandledTypeFailsAtOnceNamingTheTypeAndTheTarget) {
  pid deaf = b.system->spawn([](actor&) -> behavior { return {[](const test::ping& p) { return test::pong{p.n}; }}; });
  auto started = std::chrono::steady_clock::now();
  auto r = call<test::pong>(*a.system, deaf, test::text{"who handles me?"}, 30s);
  ASSERT_FALSE(r);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s) << "answered at once, not after the call timeout";
  EXPECT_EQ(r.error().code(), errc::unhandled);
  EXPECT_NE(r.error().message().find("has no handler for call 'test.text'"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find(deaf.to_string()), std::string::npos) << r.error().message();
  EXPECT_EQ(b.system->counters().unhandled.load(), 1u);
  auto ok = call<test::pong>(*a.system, deaf, test::ping{7}, 10s);
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->n, 7u);
}

}  // namespace
}  // namespace troupe
