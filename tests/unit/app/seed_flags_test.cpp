// The discovery flags of a node binary: --seeds forms (checked before anything starts, exit 2
// naming the flag), --seeds-refresh-ms, --name with {hostname}, --advertise auto.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "troupe/app/host_identity.hpp"
#include "troupe/app/node_flags.hpp"

namespace troupe {
namespace {

/// Parses `args` (argv[0] added); the outcome and what was written on stderr.
std::pair<app::parse_outcome, std::string> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "test-node");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  testing::internal::CaptureStderr();
  auto outcome = app::parse_node_flags("test-node", static_cast<int>(argv.size()), argv.data());
  return {std::move(outcome), testing::internal::GetCapturedStderr()};
}

TEST(SeedFlagsTest, BadSeedValuesExitWithStatusTwoAndNameTheFlagAndTheSeed) {
  struct bad_case {
    std::vector<std::string> args;
    std::string named, detail;
  };
  const std::vector<bad_case> cases = {
      {{"--seeds", "10.0.0.1:7100"}, "--seeds", "'10.0.0.1:7100' is neither tcp://HOST:PORT nor dns:NAME:PORT"},
      {{"--seeds", "tcp://10.0.0.1:7100,dns:svc"}, "--seeds", "'dns:svc' has no port"},
      {{"--seeds", "dns::7100"}, "--seeds", "has no host name"},
      {{"--seeds", "tcp://svc:http"}, "--seeds", "the port must be a number from 1 to 65535"},
      {{"--seeds-refresh-ms", "0"}, "--seeds-refresh-ms", ""},
      {{"--advertise", "auto", "--listen", "tcp://0.0.0.0:*"}, "--advertise", "auto needs --listen tcp://HOST:PORT"},
  };
  for (const auto& c : cases) {
    auto args = c.args;
    args.insert(args.end(), {"--name", "n1"});
    auto [outcome, err] = parse(args);
    EXPECT_FALSE(outcome.flags) << c.named;
    EXPECT_EQ(outcome.exit_status, 2) << c.named;
    EXPECT_NE(err.find(c.named), std::string::npos) << "the message does not name " << c.named << ": " << err;
    EXPECT_NE(err.find(c.detail), std::string::npos) << err;
  }
}

TEST(SeedFlagsTest, NamesAndAddressesAreAcceptedAndTheRefreshIntervalIsKept) {
  auto [outcome, err] = parse({"--name", "n1", "--seeds", "dns:troupe:7100,tcp://localhost:7101,tcp://10.0.0.1:7102",
                               "--seeds-refresh-ms", "1500"});
  ASSERT_TRUE(outcome.flags) << err;
  EXPECT_EQ(outcome.flags->config.seeds,
            (std::vector<std::string>{"dns:troupe:7100", "tcp://localhost:7101", "tcp://10.0.0.1:7102"}));
  EXPECT_EQ(outcome.flags->config.membership.seed_refresh_interval, std::chrono::milliseconds(1500));
}

TEST(SeedFlagsTest, TheNameMayHoldThisHostsName) {
  auto host = app::short_hostname();
  ASSERT_FALSE(host.empty());
  ::setenv("TROUPE_NAME", "web-{hostname}", 1);
  auto [outcome, err] = parse({});
  ::unsetenv("TROUPE_NAME");
  ASSERT_TRUE(outcome.flags) << err;
  EXPECT_EQ(outcome.flags->config.name, "web-" + host);
  EXPECT_EQ(app::expand_hostname("{hostname}.{hostname}", "a1"), "a1.a1");
}

TEST(SeedFlagsTest, AdvertiseAutoGivesTheListenAddressOrThisHostsIpWithTheListenPort) {
  auto [bound, err1] = parse({"--name", "n1", "--listen", "tcp://127.0.0.1:7100", "--advertise", "auto"});
  ASSERT_TRUE(bound.flags) << err1;
  EXPECT_EQ(bound.flags->config.transport.advertise, "tcp://127.0.0.1:7100");

  auto [wildcard, err2] = parse({"--name", "n1", "--listen", "tcp://0.0.0.0:7100", "--advertise", "auto"});
  if (!wildcard.flags && err2.find("no IPv4 address other than loopback") != std::string::npos)
    GTEST_SKIP() << "this machine has no IPv4 address but loopback";
  ASSERT_TRUE(wildcard.flags) << err2;
  const auto& a = wildcard.flags->config.transport.advertise;
  EXPECT_TRUE(a.starts_with("tcp://") && a.ends_with(":7100")) << a;
  EXPECT_FALSE(a.starts_with("tcp://127.") || a.starts_with("tcp://0.0.0.0")) << a;
}

}  // namespace
}  // namespace troupe
