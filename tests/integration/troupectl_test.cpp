// The real troupectl binary against two real node processes seeded together.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/child_process.hpp"
#include "tests/support/node_process.hpp"

namespace troupe {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* cookie = "ctl-cookie";

struct ctl_result {
  int status = -1;  ///< exit status, or -1 if it did not exit in time
  std::string output;  ///< stdout and stderr together
  [[nodiscard]] json as_json() const { return json::parse(output, nullptr, false); }
};

/// Runs troupectl to its end, stderr folded into stdout.
ctl_result run_ctl(std::vector<std::string> args) {
  std::vector<std::string> argv{"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1", TROUPECTL_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  test::child_process p(argv);
  ctl_result r;
  while (auto line = p.read_line(20s)) r.output += *line + "\n";
  auto status = p.wait_exit(20s);
  if (status && WIFEXITED(*status)) r.status = WEXITSTATUS(*status);
  return r;
}

class TroupectlTest : public ::testing::Test {
 protected:
  test::node_process n1, n2;

  void SetUp() override {
    auto tag = std::to_string(::getpid());
    start(n1, "ctl-a-" + tag, "");
    start(n2, "ctl-b-" + tag, n1.address);
  }

  void start(test::node_process& n, const std::string& name, const std::string& seeds) {
    n = test::start_node_process(TROUPE_NODE_BINARY, name, {.cookie = cookie, .seeds = seeds});
    ASSERT_TRUE(n.started()) << n.error;
  }

  ctl_result ctl(std::vector<std::string> args, const std::string& address = {}) {
    std::vector<std::string> all{"--node", address.empty() ? n1.address : address, "--cookie", cookie, "--timeout-ms",
                                 "3000"};
    all.insert(all.end(), args.begin(), args.end());
    return run_ctl(all);
  }

  /// Spawns a `type` on n1 through troupectl; its pid text.
  std::string spawn(const std::string& type, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"spawn", type, "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = ctl(args);
    EXPECT_EQ(r.status, 0) << r.output;
    auto j = r.as_json();
    return j.is_object() ? j.value("pid", "") : "";
  }

  /// Both members up as n1 sees them: membership converges by gossip, so ask until it has.
  json members_when_both_up() {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    json last;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = ctl({"members", "--json"});
      last = r.as_json();
      if (r.status != 0 || !last.is_array()) continue;
      int up = 0;
      for (auto& m : last)
        if (m.value("state", "") == "up") ++up;
      if (up == 2) return last;
    }
    return last;
  }
};

TEST_F(TroupectlTest, MembersJsonListsBothNodesAsUp) {
  auto members = members_when_both_up();
  ASSERT_TRUE(members.is_array()) << members.dump();
  ASSERT_EQ(members.size(), 2u) << members.dump();
  std::set<std::string> names;
  for (auto& m : members) {
    names.insert(m.at("name").get<std::string>());
    EXPECT_EQ(m.at("state"), "up");
    EXPECT_TRUE(m.at("address").get<std::string>().starts_with("tcp://"));
  }
  EXPECT_EQ(names, (std::set<std::string>{n1.name, n2.name})) << "troupectl itself is hidden, never a member";
}

/// Each troupectl run is a hidden node that comes and goes: routine, not a member loss.
TEST_F(TroupectlTest, TroupectlComingAndGoingIsNoMemberLoss) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(ctl({"members"}).status, 0);
  json m;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    m = ctl({"metrics", "--json"}).as_json();
    if (m.is_object() && m.value("troupe_hidden_peers_gone_total", 0) >= 3) break;
  }
  ASSERT_TRUE(m.is_object()) << m.dump();
  EXPECT_GE(m.value("troupe_hidden_peers_gone_total", 0), 3) << m.dump(2);
  EXPECT_EQ(m.value("troupe_peers_lost_total", -1), 0) << m.dump(2);
}

/// Mistakes get a one-line message that says what is wrong, and the right exit status at once
/// (2: troupectl was used wrongly or cannot talk to the node; 1: the node says no).
TEST_F(TroupectlTest, MistakesAreNamedAtOnceWithTheRightStatus) {
  struct bad_case {
    std::vector<std::string> args;
    int status;
    std::string says;
  };
  const std::string dead_pid = "<" + n1.name + ".1.999999>";  // a creation n1 does not have
  const std::vector<bad_case> cases = {
      {{"membrs"}, 2, "unknown command 'membrs'; the commands are: members, "},
      {{}, 2, "no command given; the commands are: members, "},
      {{"--timeout-ms", "0", "members"}, 2, "--timeout-ms"},
      {{"events", "--limit", "0"}, 2, "--limit"},
      {{"kill", dead_pid}, 1, "earlier incarnation"},
      {{"kill", "no.such.name"}, 1, "no process is registered as 'no.such.name'"},
      {{"info", "no.such.name"}, 1, "no process is registered as 'no.such.name'"},
      {{"spawn", "counter", "--args", R"("seven")"}, 1, "do not have the shape it expects: got \"seven\""},
  };
  for (const auto& c : cases) {
    auto r = ctl(c.args);
    EXPECT_EQ(r.status, c.status) << r.output;
    EXPECT_NE(r.output.find(c.says), std::string::npos) << "expected '" << c.says << "' in: " << r.output;
    EXPECT_LT(r.output.size(), 400u) << r.output;
  }
  auto scheme = run_ctl({"--node", "http://127.0.0.1:1", "members"});
  EXPECT_EQ(scheme.status, 2) << scheme.output;
  EXPECT_NE(scheme.output.find("--node wants tcp://HOST:PORT"), std::string::npos) << scheme.output;
}

TEST_F(TroupectlTest, ANodeAddressWithoutSchemeAndTargetsByNameWork) {
  auto bare = n1.address.substr(std::string("tcp://").size());
  auto r = run_ctl({"--node", bare, "--cookie", cookie, "members"});
  EXPECT_EQ(r.status, 0) << r.output;
  auto info = ctl({"info", "troupe.admin", "--json"});  // a registered name, not a pid
  ASSERT_EQ(info.status, 0) << info.output;
  auto c = spawn("counter", {"--name", "ctl.named.counter"});
  ASSERT_FALSE(c.empty());
  auto on_n2 = ctl({"info", c, "--json"}, n2.address);  // a process of another member: asked there
  EXPECT_EQ(on_n2.status, 0) << on_n2.output;
  auto k = ctl({"kill", "ctl.named.counter"});
  EXPECT_EQ(k.status, 0) << k.output;
}

TEST_F(TroupectlTest, MembersWithoutJsonPrintsATable) {
  auto r = ctl({"members"});
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(r.output.starts_with("NAME")) << r.output;
  EXPECT_NE(r.output.find(n1.name + " *"), std::string::npos) << r.output;
}

TEST_F(TroupectlTest, ASpawnedCounterAnswersTypedCalls) {
  auto c = spawn("counter", {"--args", "5"});
  ASSERT_FALSE(c.empty());
  auto inc = ctl({"call", c, "--type", "troupe.counter.inc", "--args", R"({"by":2})", "--json"});
  ASSERT_EQ(inc.status, 0) << inc.output;
  EXPECT_EQ(inc.as_json(), json({{"type", "troupe.counter.value"}, {"reply", {{"n", 7}}}}));
  auto sent = ctl({"send", c, "--type", "troupe.counter.inc", "--args", "[10]"});
  ASSERT_EQ(sent.status, 0) << sent.output;
  auto get = ctl({"call", c, "--type", "troupe.counter.get", "--json"});
  ASSERT_EQ(get.status, 0) << get.output;
  EXPECT_EQ(get.as_json()["reply"]["n"], 17);
}

TEST_F(TroupectlTest, EchoAnswersTextAndMapMessages) {
  auto e = spawn("echo");
  ASSERT_FALSE(e.empty());
  auto text = ctl({"call", e, R"("hello")", "--json"});
  ASSERT_EQ(text.status, 0) << text.output;
  EXPECT_EQ(text.as_json(), json({{"type", "troupe.text"}, {"reply", "hello"}}));
  auto map = ctl({"call", e, R"({"a":1,"b":[true,null]})", "--json"});
  ASSERT_EQ(map.status, 0) << map.output;
  EXPECT_EQ(map.as_json()["reply"], json({{"a", 1}, {"b", {true, nullptr}}}));
}

TEST_F(TroupectlTest, WhereisAndNamesShowARegisteredProcess) {
  auto c = spawn("counter", {"--name", "ctl-counter"});
  ASSERT_FALSE(c.empty());
  auto w = ctl({"whereis", "ctl-counter", "--json"});
  ASSERT_EQ(w.status, 0) << w.output;
  EXPECT_EQ(w.as_json()["pid"], c);
  EXPECT_EQ(w.as_json()["scope"], "local");
  auto n = ctl({"names", "--json"});
  ASSERT_EQ(n.status, 0) << n.output;
  EXPECT_TRUE(n.as_json()["global"].is_array()) << "troupe-node runs the global registry";
  EXPECT_NE(n.output.find("ctl-counter"), std::string::npos) << n.output;
  auto byname = ctl({"call", "ctl-counter", "--type", "troupe.counter.get", "--json"});
  ASSERT_EQ(byname.status, 0) << byname.output;
  EXPECT_EQ(byname.as_json()["reply"]["n"], 0);
}

TEST_F(TroupectlTest, RegisterNamesAnExistingProcess) {
  auto c = spawn("counter");
  ASSERT_FALSE(c.empty());
  ASSERT_EQ(ctl({"register", "later-name", c}).status, 0);
  auto w = ctl({"whereis", "later-name"});
  EXPECT_EQ(w.status, 0) << w.output;
  EXPECT_EQ(w.output, c + "\n");
}

TEST_F(TroupectlTest, AnUnknownNameIsAClearFailure) {
  auto w = ctl({"whereis", "nobody-has-this"});
  EXPECT_EQ(w.status, 1);
  EXPECT_NE(w.output.find("no process is registered as 'nobody-has-this'"), std::string::npos) << w.output;
  auto c = ctl({"call", "nobody-has-this", R"("x")"});
  EXPECT_EQ(c.status, 1);
  EXPECT_NE(c.output.find("nobody-has-this"), std::string::npos) << c.output;
}

TEST_F(TroupectlTest, ACallTheTargetHasNoHandlerForFailsAtOnceNamingTypeAndTarget) {
  auto c = spawn("counter", {"--name", "c1"});
  ASSERT_FALSE(c.empty());
  auto started = std::chrono::steady_clock::now();
  auto r = run_ctl({"--node", n1.address, "--cookie", cookie, "--timeout-ms", "10000", "call", "c1", "inc"});
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_LT(took, 5s) << "waited for the call timeout (10 s) instead of the answer";
  EXPECT_NE(r.output.find("call to c1 failed: unhandled: " + c + " has no handler for call 'troupe.text'"),
            std::string::npos)
      << r.output;
  auto m = ctl({"metrics", "--json"}).as_json();
  ASSERT_TRUE(m.is_object()) << m.dump();
  EXPECT_GE(m.value("troupe_unhandled_messages_total", 0), 1) << "still counted as unhandled";
}

TEST_F(TroupectlTest, PsListsTheSystemProcessesOfEitherNode) {
  auto r = ctl({"ps", "--json"});
  ASSERT_EQ(r.status, 0) << r.output;
  std::set<std::string> names;
  for (auto& p : r.as_json()) names.insert(p.at("name").get<std::string>());
  EXPECT_TRUE(names.contains("troupe.admin"));
  EXPECT_TRUE(names.contains("troupe.membership"));
  members_when_both_up();
  auto other = ctl({"ps", "--node", n2.name, "--json"});
  ASSERT_EQ(other.status, 0) << other.output;
  auto ps = other.as_json();
  ASSERT_TRUE(ps.is_array() && !ps.empty()) << other.output;
  EXPECT_TRUE(ps[0].at("pid").get<std::string>().starts_with("<" + n2.name + ".")) << other.output;
}

TEST_F(TroupectlTest, InfoShowsOneProcess) {
  auto c = spawn("counter");
  auto r = ctl({"info", c, "--json"});
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.as_json()["pid"], c);
  EXPECT_TRUE(r.as_json()["links"].is_array());
}

TEST_F(TroupectlTest, KillEndsTheProcess) {
  auto c = spawn("counter");
  ASSERT_FALSE(c.empty());
  auto k = ctl({"kill", c, "--json"});
  ASSERT_EQ(k.status, 0) << k.output;
  EXPECT_EQ(k.as_json(), json({{"ok", true}}));
  // The exit signal is on its way before the call: the call sees a dead (or dying) process.
  auto after = ctl({"call", c, "--type", "troupe.counter.get"});
  EXPECT_EQ(after.status, 1) << after.output;
  auto again = ctl({"kill", c});
  EXPECT_EQ(again.status, 1) << again.output;
}

TEST_F(TroupectlTest, GroupsOfAFreshClusterAreAvailableAndEmpty) {
  auto r = ctl({"groups"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.output.find("GROUP"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("not available"), std::string::npos) << r.output;
  auto j = ctl({"groups", "--json"});
  EXPECT_EQ(j.as_json(), json({{"available", true}, {"groups", json::array()}})) << j.output;
}

TEST_F(TroupectlTest, AWrongCookieIsRefusedClearly) {
  auto r = run_ctl({"--node", n1.address, "--cookie", "not-the-cookie", "--timeout-ms", "3000", "members"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("refused our cookie"), std::string::npos) << r.output;
}

TEST_F(TroupectlTest, AnUnreachableNodeFailsWithinTheTimeout) {
  // Port 1 on loopback: nothing listens there in a test environment.
  auto began = std::chrono::steady_clock::now();
  auto r = run_ctl({"--node", "tcp://127.0.0.1:1", "--cookie", cookie, "--timeout-ms", "1000", "members"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("no answer from tcp://127.0.0.1:1 within 1 s"), std::string::npos) << r.output;
  EXPECT_LT(std::chrono::steady_clock::now() - began, 5s);
}

TEST_F(TroupectlTest, AMessageTheNodeCannotDecodeIsAClearFailure) {
  auto c = spawn("counter");
  auto r = ctl({"call", c, "--type", "no.such.type", "--args", "[]"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("knows no message type 'no.such.type'"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace troupe
