// `troupectl sys ...`: the real troupectl binary against two real troupe-node processes seeded together.
// The nodes are shared by the suite's tests (each test spawns its own counter), to keep it fast.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/child_process.hpp"
#include "tests/support/node_process.hpp"

namespace troupe {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* cookie = "ctl-sys-cookie";

struct ctl_result {
  int status = -1;     ///< exit status, or -1 if it did not exit in time
  std::string output;  ///< stdout and stderr together
  [[nodiscard]] json as_json() const { return json::parse(output, nullptr, false); }
};

/// Starts a troupe-node (its address stays empty if it did not start: the tests then fail).
test::node_process start_node(const std::string& name, const std::string& seeds) {
  return test::start_node_process(TROUPE_NODE_BINARY, name, {.cookie = cookie, .seeds = seeds});
}

class TroupectlSysTest : public ::testing::Test {
 protected:
  static inline test::node_process n1, n2;

  static void SetUpTestSuite() {
    auto tag = std::to_string(::getpid());
    n1 = start_node("ctl-sys-a-" + tag, "");
    n2 = start_node("ctl-sys-b-" + tag, n1.address);
  }
  static void TearDownTestSuite() {
    n2.proc.reset();
    n1.proc.reset();
  }
  void SetUp() override {
    ASSERT_FALSE(n1.address.empty()) << "node 1 did not say it was ready";
    ASSERT_FALSE(n2.address.empty()) << "node 2 did not say it was ready";
  }

  /// Runs troupectl against `address` (node 1 by default) to its end, stderr folded into stdout.
  static ctl_result ctl(std::vector<std::string> args, const std::string& address = {}) {
    std::vector<std::string> argv{"/bin/sh",  "-c", "exec \"$0\" \"$@\" 2>&1", TROUPECTL_BINARY, "--node",
                                  address.empty() ? n1.address : address, "--cookie", cookie, "--timeout-ms", "3000"};
    argv.insert(argv.end(), args.begin(), args.end());
    test::child_process p(argv);
    ctl_result r;
    while (auto line = p.read_line(20s)) r.output += *line + "\n";
    auto status = p.wait_exit(20s);
    if (status && WIFEXITED(*status)) r.status = WEXITSTATUS(*status);
    return r;
  }

  /// Spawns a builtin counter starting at `start` on the node at `address`; its pid text.
  static std::string spawn_counter(int start, const std::string& address = {}) {
    auto r = ctl({"spawn", "counter", "--args", std::to_string(start), "--json"}, address);
    EXPECT_EQ(r.status, 0) << r.output;
    auto j = r.as_json();
    return j.is_object() ? j.value("pid", "") : "";
  }

  static json state_of(const std::string& target, const std::string& address = {}) {
    auto r = ctl({"sys", "state", target, "--json"}, address);
    EXPECT_EQ(r.status, 0) << r.output;
    auto j = r.as_json();
    return j.is_object() ? j["state"] : json();
  }
};

TEST_F(TroupectlSysTest, SysStateShowsACountersStateAndReplaceStateChangesIt) {
  auto c = spawn_counter(5);
  ASSERT_FALSE(c.empty());
  auto plain = ctl({"sys", "state", c});
  ASSERT_EQ(plain.status, 0) << plain.output;
  EXPECT_EQ(plain.output, "5\n");
  auto replaced = ctl({"sys", "replace-state", c, "42"});
  ASSERT_EQ(replaced.status, 0) << replaced.output;
  EXPECT_EQ(replaced.output, "42\n");
  auto inc = ctl({"call", c, "--type", "troupe.counter.inc", "--args", R"({"by":1})", "--json"});
  ASSERT_EQ(inc.status, 0) << inc.output;
  EXPECT_EQ(inc.as_json()["reply"]["n"], 43) << "later calls see the replaced state";
}

TEST_F(TroupectlSysTest, AStateThatDoesNotFitIsRefusedAndChangesNothing) {
  auto c = spawn_counter(5);
  auto r = ctl({"sys", "replace-state", c, R"("five")"});
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("does not fit"), std::string::npos) << r.output;
  EXPECT_EQ(state_of(c), 5);
}

TEST_F(TroupectlSysTest, AProcessWithoutInspectableStateIsAClearFailure) {
  auto r = ctl({"spawn", "echo", "--json"});
  ASSERT_EQ(r.status, 0) << r.output;
  auto e = r.as_json().value("pid", "");
  auto s = ctl({"sys", "state", e});
  EXPECT_EQ(s.status, 1) << s.output;
  EXPECT_NE(s.output.find("no inspectable state"), std::string::npos) << s.output;
}

TEST_F(TroupectlSysTest, SuspendHoldsMessagesUntilResumeAndStatsShowThem) {
  auto c = spawn_counter(0);
  ASSERT_EQ(ctl({"sys", "suspend", c}).status, 0);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(ctl({"send", c, "--type", "troupe.counter.inc", "--args", "[2]"}).status, 0);
  // Sent after the increments from the same node: answered once they are all queued.
  auto st = ctl({"sys", "stats", c, "--json"});
  ASSERT_EQ(st.status, 0) << st.output;
  auto j = st.as_json();
  EXPECT_EQ(j["status"], "suspended") << st.output;
  EXPECT_EQ(j["mailbox_length"], 3) << st.output;
  EXPECT_EQ(j["messages_handled"], 0) << st.output;
  EXPECT_EQ(state_of(c), 0) << "nothing handled while suspended";
  ASSERT_EQ(ctl({"sys", "resume", c}).status, 0);
  EXPECT_EQ(state_of(c), 6);
  auto after = ctl({"sys", "stats", c, "--json"}).as_json();
  EXPECT_EQ(after["messages_handled"], 3) << after.dump();
  EXPECT_GE(after["mailbox_high_water"].get<int>(), 3) << after.dump();
  auto table = ctl({"sys", "stats", c});
  ASSERT_EQ(table.status, 0);
  EXPECT_NE(table.output.find("mailbox_high_water"), std::string::npos) << table.output;
}

TEST_F(TroupectlSysTest, TraceShowsTheCallsAProcessGotAndAnsweredWhileOn) {
  auto c = spawn_counter(1);
  ASSERT_EQ(ctl({"call", c, "--type", "troupe.counter.get"}).status, 0);
  ASSERT_EQ(ctl({"sys", "trace", "on", c, "--capacity", "10"}).status, 0);
  ASSERT_EQ(ctl({"call", c, "--type", "troupe.counter.inc", "--args", "[1]"}).status, 0);
  ASSERT_EQ(ctl({"sys", "trace", "off", c}).status, 0);
  ASSERT_EQ(ctl({"call", c, "--type", "troupe.counter.get"}).status, 0);
  auto t = ctl({"sys", "trace", "show", c, "--json"});
  ASSERT_EQ(t.status, 0) << t.output;
  auto j = t.as_json();
  EXPECT_EQ(j["enabled"], false);
  // The counter's own traffic (troupe-node's counter also saves snapshots) shows up too; what
  // matters: the call made while on, and nothing from before or after.
  json counter_events = json::array();
  for (auto& e : j["events"])
    if (e["type"].get<std::string>().starts_with("troupe.counter.")) counter_events.push_back(e);
  ASSERT_EQ(counter_events.size(), 2u) << t.output;
  EXPECT_EQ(counter_events[0]["direction"], "in");
  EXPECT_EQ(counter_events[0]["type"], "troupe.counter.inc");
  EXPECT_EQ(counter_events[0]["kind"], "call");
  EXPECT_EQ(counter_events[1]["direction"], "out");
  EXPECT_EQ(counter_events[1]["type"], "troupe.counter.value");
  EXPECT_EQ(counter_events[1]["kind"], "reply");
  EXPECT_EQ(counter_events[0]["peer"], counter_events[1]["peer"]);
  auto table = ctl({"sys", "trace", "show", c});
  ASSERT_EQ(table.status, 0);
  EXPECT_NE(table.output.find("in  <- "), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("troupe.counter.value (reply)"), std::string::npos) << table.output;
}

TEST_F(TroupectlSysTest, SysCommandsReachAProcessOnAnotherMember) {
  auto c = spawn_counter(7, n2.address);
  ASSERT_FALSE(c.empty());
  // Asked through node 1, whose admin calls the process on node 2.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  ctl_result r;
  do {
    r = ctl({"sys", "state", c});
  } while (r.status != 0 && std::chrono::steady_clock::now() < deadline);  // until n1 reaches n2
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, "7\n");
  ASSERT_EQ(ctl({"sys", "replace-state", c, "8"}).status, 0);
  EXPECT_EQ(state_of(c, n2.address), 8);
}

}  // namespace
}  // namespace troupe
