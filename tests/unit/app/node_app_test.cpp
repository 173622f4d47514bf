// node_app's checks that run before anything starts: every mistake here exits 2 with a message
// that names it, and nothing is started (no node, no thread, no port).

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <string>
#include <vector>

#include "troupe/app/node_app.hpp"
#include "troupe/app/node_flags.hpp"
#include "troupe/version.hpp"

namespace troupe {
namespace {

class empty_actor final : public actor {
 protected:
  behavior make_behavior() override { return {}; }
};

/// Runs `app` on `args` (argv[0] added), returning the exit status and what it wrote on stderr.
std::pair<int, std::string> run(node_app& app, std::vector<std::string> args) {
  args.insert(args.begin(), "test-node");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  testing::internal::CaptureStderr();
  int status = app.run(static_cast<int>(argv.size()), argv.data());
  return {status, testing::internal::GetCapturedStderr()};
}

TEST(NodeAppTest, ATypeHostedTwiceStopsTheStartWithStatusTwoNamingTheType) {
  node_app app("test-node");
  app.host<empty_actor>("node_app_test.twice");
  app.host<empty_actor>("node_app_test.twice");
  auto [status, err] = run(app, {"--name", "n1"});
  EXPECT_EQ(status, 2);
  EXPECT_NE(err.find("actor type 'node_app_test.twice' is hosted twice"), std::string::npos) << err;
  auto types = actor_types();
  EXPECT_FALSE(std::binary_search(types.begin(), types.end(), "node_app_test.twice")) << "registered anyway";
}

TEST(NodeAppTest, ATypeAlreadyRegisteredInTheProcessIsAMistakeToo) {
  register_actor_type("node_app_test.taken", [](const msgpack::object&) -> result<actor*> { return new empty_actor; });
  node_app app("test-node");
  app.host<empty_actor>("node_app_test.taken");
  auto [status, err] = run(app, {"--name", "n1"});
  EXPECT_EQ(status, 2);
  EXPECT_NE(err.find("'node_app_test.taken' is already registered"), std::string::npos) << err;
}

/// Each bad value exits 2 before anything starts, with a message naming the flag.
/// A TCP listener on 127.0.0.1 (a port another process holds), closed when it goes.
struct busy_port {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  std::uint16_t port = 0;
  busy_port() {
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof at;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&at), sizeof at) == 0 && ::listen(fd, 1) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&at), &size) == 0)
      port = ntohs(at.sin_port);
  }
  ~busy_port() { ::close(fd); }
};

TEST(NodeAppTest, BadFlagValuesExitWithStatusTwoAndNameTheFlag) {
  busy_port busy;
  ASSERT_NE(busy.port, 0) << "could not listen on 127.0.0.1";
  struct bad_case {
    std::vector<std::string> args;
    std::string named;
  };
  const std::vector<bad_case> cases = {
      {{"--name", "n1", "--listen", "127.0.0.1:7100"}, "--listen"},
      {{"--name", "n1", "--listen", "tcp://127.0.0.1:seventy"}, "--listen"},
      {{"--name", "n1", "--listen", "tcp://127.0.0.1:70000"}, "--listen"},
      {{"--name", "n1", "--listen", "tcp://127.0.0.1:" + std::to_string(busy.port)}, "--listen"},
      {{"--name", "n1", "--advertise", "10.0.0.1:7100"}, "--advertise"},
      {{"--name", "n1", "--auto-down-ms", "-1"}, "--auto-down-ms"},
      {{}, "--name"},
      {{"--name", "n1", "--log-level", "verbose"}, "--log-level"},
      {{"--name", "n1", "--cookie-file", "/nonexistent/cookie"}, "--cookie-file"},
      {{"--name", "n1", "--cookie-file", "/dev/null"}, "--cookie-file"},
      {{"--name", "n1", "--profile", "fast"}, "--profile"},
      {{"--name", "n1", "--heartbeat-ms", "-5"}, "--heartbeat-ms"},
      {{"--name", "n1", "--threads", "many"}, "--threads"},
      {{"--name", "n1", "--no-such-flag"}, "--no-such-flag"},
      {{"--name", "n1", "--http-admin"}, "--http-admin"},
  };
  for (const auto& c : cases) {
    auto args = c.args;
    args.insert(args.begin(), "test-node");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    testing::internal::CaptureStderr();
    auto parsed = app::parse_node_flags("test-node", static_cast<int>(argv.size()), argv.data());
    auto err = testing::internal::GetCapturedStderr();
    EXPECT_FALSE(parsed.flags) << c.named;
    EXPECT_EQ(parsed.exit_status, 2) << c.named;
    EXPECT_NE(err.find(c.named), std::string::npos) << "the message does not name " << c.named << ": " << err;
  }
}

TEST(NodeAppTest, AnHttpPortInUseStopsTheStartWithStatusTwoBeforeTheNodeStarts) {
  busy_port busy;
  ASSERT_NE(busy.port, 0) << "could not listen on 127.0.0.1";
  node_app app("test-node");
  auto [status, err] = run(app, {"--name", "n1", "--http", "127.0.0.1:" + std::to_string(busy.port)});
  EXPECT_EQ(status, 2);
  EXPECT_NE(err.find("--http: port " + std::to_string(busy.port)), std::string::npos) << err;
  EXPECT_EQ(err.find(" ready on "), std::string::npos) << "the node started: " << err;
}

TEST(NodeAppTest, VersionPrintsTheLibraryVersionAndExitsZero) {
  std::array<std::string, 2> args{"test-node", "--version"};
  std::array<char*, 2> argv{args[0].data(), args[1].data()};
  testing::internal::CaptureStdout();
  auto parsed = app::parse_node_flags("test-node", 2, argv.data());
  auto out = testing::internal::GetCapturedStdout();
  EXPECT_FALSE(parsed.flags);
  EXPECT_EQ(parsed.exit_status, 0);
  EXPECT_EQ(out, "test-node (Troupe) " + std::string(version()) + "\n");
  EXPECT_EQ(version(), TROUPE_VERSION_STRING);
}

TEST(NodeAppTest, GoodFlagsAndVariablesBecomeTheNodeConfiguration) {
  ::setenv("TROUPE_SEEDS", "tcp://127.0.0.1:1,tcp://127.0.0.1:2", 1);
  std::vector<std::string> args{"test-node", "--name", "n7", "--profile", "aggressive", "--heartbeat-ms", "40"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  auto parsed = app::parse_node_flags("test-node", static_cast<int>(argv.size()), argv.data());
  ::unsetenv("TROUPE_SEEDS");
  ASSERT_TRUE(parsed.flags);
  EXPECT_EQ(parsed.flags->config.name, "n7");
  EXPECT_EQ(parsed.flags->config.seeds, (std::vector<std::string>{"tcp://127.0.0.1:1", "tcp://127.0.0.1:2"}));
  EXPECT_EQ(parsed.flags->config.transport.heartbeat_interval, std::chrono::milliseconds(40));
  EXPECT_EQ(parsed.flags->config.transport.peer_timeout, transport::transport_config::aggressive().peer_timeout);
}

}  // namespace
}  // namespace troupe
