// The live cluster page in headless Chromium, against three real troupe-node processes: it
// shows the members, who sees whom and where a global child runs; after a SIGKILL it shows the
// node down and the child moved; after a restart, the node up again. Screenshots are saved in
// the build directory (CI keeps them). Without Chromium it exits 77 (ctest: skipped).

#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "tests/support/child_process.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/http_client.hpp"

namespace troupe {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* cookie = "live-page-cookie";

std::string chromium_path() {
  if (const char* env = std::getenv("TROUPE_CHROMIUM"); env && *env) return env;
  for (const char* dir : {"/usr/bin", "/usr/local/bin", "/snap/bin"})
    for (const char* name : {"chromium", "chromium-browser"}) {
      auto p = std::filesystem::path(dir) / name;
      if (::access(p.c_str(), X_OK) == 0) return p;
    }
  return {};
}

/// Runs a program to its end; its stdout (stderr dropped: Chromium is chatty there).
std::string run(std::vector<std::string> argv, std::chrono::seconds timeout = 30s) {
  std::vector<std::string> sh{"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>/dev/null"};
  sh.insert(sh.end(), argv.begin(), argv.end());
  test::child_process p(sh);
  std::string out;
  while (auto line = p.read_line(timeout)) out += *line + "\n";
  p.wait_exit(timeout);
  return out;
}

template <class P>
bool eventually(P pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(50ms);  // polling interval of a deadline wait
  }
  return true;
}

using node_proc = test::node_process;

class LivePageTest : public ::testing::Test {
 protected:
  std::string tag = std::to_string(::getpid());
  node_proc nodes[3];
  std::filesystem::path profile;

  void SetUp() override {
    char dir[] = "/tmp/troupe-chromium-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    profile = dir;
    for (int i = 0; i < 3; ++i) start(i);
  }
  void TearDown() override {
    for (auto& n : nodes) n.proc.reset();
    std::error_code ignored;
    std::filesystem::remove_all(profile, ignored);
  }

  void start(int i) {
    auto& n = nodes[i];
    // A restart (heal) listens where the node was, so the others find it again.
    test::node_process_options o{.cookie = cookie, .seeds = i > 0 ? nodes[0].address : nodes[1].address,
                                 .threads = "1", .log_level = "error", .http = true};
    if (!n.address.empty()) o.listen = n.address;
    n.proc.reset();  // the old process first: its port is the one the new one binds
    n = test::start_node_process(TROUPE_NODE_BINARY, "live" + std::to_string(i + 1) + "-" + tag, o);
    ASSERT_TRUE(n.started()) << n.error;
  }

  json get(const node_proc& n, const std::string& path) {
    return json::parse(test::http_get(n.http_port, path).body, nullptr, false);
  }
  std::string state_of(const node_proc& observer, const std::string& member) {
    for (auto& m : get(observer, "/cluster"))
      if (m.is_object() && m.value("name", "") == member) return m.value("state", "");
    return "";
  }
  std::string child_node(const node_proc& n, const std::string& id) {
    for (auto& c : get(n, "/children"))
      if (c.is_object() && c.value("id", "") == id && c["node"].is_string()) return c["node"];
    return "";
  }

  /// The page as Chromium renders it after a few polls.
  std::string dom(const node_proc& n) {
    return run({chromium_path(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--user-data-dir=" + profile.string(), "--virtual-time-budget=3000", "--dump-dom",
                "http://127.0.0.1:" + std::to_string(n.http_port) + "/"});
  }
  std::filesystem::path screenshot(const node_proc& n, const std::string& file) {
    auto path = std::filesystem::absolute(TROUPE_SCREENSHOT_DIR) / file;
    std::filesystem::remove(path);
    run({chromium_path(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
         "--user-data-dir=" + profile.string(), "--window-size=1280,900", "--virtual-time-budget=3000",
         "--screenshot=" + path.string(), "http://127.0.0.1:" + std::to_string(n.http_port) + "/"});
    std::cout << "live page screenshot: " << path.string() << std::endl;
    return path;
  }
};

bool has(const std::string& dom, const std::string& what) { return dom.find(what) != std::string::npos; }
std::string member_row(const std::string& name, const std::string& state) {
  return "data-member=\"" + name + "\" data-state=\"" + state + "\"";
}
std::string cell(const std::string& observer, const std::string& observed, const std::string& state) {
  return "data-observer=\"" + observer + "\" data-observed=\"" + observed + "\" data-state=\"" + state + "\"";
}

TEST_F(LivePageTest, ShowsMembersWhoSeesWhomAndChildrenAsANodeIsKilledAndRestarted) {
  auto& [n1, n2, n3] = nodes;
  ASSERT_TRUE(eventually([&] { return state_of(n1, n3.name) == "up" && state_of(n3, n2.name) == "up" &&
                                      state_of(n2, n3.name) == "up"; }, 15s));
  // A global child preferring n3: it runs there while n3 is up, and moves when n3 is lost.
  auto started = run({TROUPECTL_BINARY, "--node", n1.address, "--cookie", cookie, "start-child", "counter", "--id",
                      "live-worker", "--args", "7", "--prefer", n3.name});
  ASSERT_TRUE(eventually([&] { return child_node(n1, "live-worker") == n3.name; }, 15s)) << started;

  auto before = dom(n1);
  ASSERT_TRUE(has(before, "data-status=\"live\"")) << "the page did not get its first answer:\n" << before;
  for (auto* n : {&n1, &n2, &n3}) EXPECT_TRUE(has(before, member_row(n->name, "up"))) << n->name << "\n" << before;
  EXPECT_TRUE(has(before, cell(n2.name, n3.name, "up"))) << "n2's own view of n3";
  EXPECT_TRUE(has(before, cell(n3.name, n1.name, "up"))) << "n3's own view of n1";
  EXPECT_TRUE(has(before, "data-child=\"live-worker\" data-node=\"" + n3.name + "\"")) << before;
  // The chart has axes (a scale in messages per second, the last 60 s) and times are UTC.
  EXPECT_TRUE(has(before, "<span id=\"y-top\">") && !has(before, "<span id=\"y-top\">–</span>")) << "no y scale";
  EXPECT_TRUE(has(before, "<span>60 s ago</span>")) << "no time axis";
  EXPECT_TRUE(has(before, " UTC (#")) << "the header time is not UTC";
  auto shot = screenshot(n1, "live_page_3_up.png");
  EXPECT_GT(std::filesystem::exists(shot) ? std::filesystem::file_size(shot) : 0, 10'000u);

  n3.proc->signal(SIGKILL);
  ASSERT_TRUE(n3.proc->wait_exit(5s));
  ASSERT_TRUE(eventually([&] {
    auto where = child_node(n1, "live-worker");
    return state_of(n1, n3.name) == "down" && state_of(n2, n3.name) == "down" && !where.empty() && where != n3.name;
  }, 20s)) << "n3 not seen down, or its child not moved";
  auto moved_to = child_node(n1, "live-worker");

  auto after = dom(n1);
  EXPECT_TRUE(has(after, member_row(n3.name, "down"))) << after;
  EXPECT_TRUE(has(after, cell(n1.name, n3.name, "down")));
  EXPECT_TRUE(has(after, cell(n2.name, n3.name, "down")));
  EXPECT_TRUE(has(after, "data-observer=\"" + n3.name + "\" data-state=\"no-answer\"")) << "a dead node has no view";
  EXPECT_TRUE(has(after, "data-child=\"live-worker\" data-node=\"" + moved_to + "\"")) << after;
  // The timeline tells the story: n3 went down, and its child moved from n3 to a survivor.
  EXPECT_TRUE(has(after, "data-kind=\"member.down\" data-subject=\"" + n3.name + "\"")) << after;
  EXPECT_TRUE(has(after, "data-kind=\"child.moved\" data-subject=\"live-worker\" data-from=\"" + n3.name +
                             "\" data-to=\"" + moved_to + "\"")) << after;
  screenshot(n1, "live_page_node_killed.png");

  // troupectl events prints the same timeline, for people and as JSON, from any survivor.
  // (n2 hears of the move by itself, maybe a little after n1: wait for it.)
  std::string text;
  EXPECT_TRUE(eventually([&] {
    text = run({TROUPECTL_BINARY, "--node", n2.address, "--cookie", cookie, "events"});
    return has(text, "child.moved  live-worker  " + n3.name + " -> " + moved_to);
  }, 10s)) << text;
  EXPECT_TRUE(has(text, "member.down  " + n3.name)) << text;
  EXPECT_TRUE(has(text, "Z  member.up  " + n3.name)) << "times are UTC (ISO 8601, Z):\n" << text;
  auto timeline = json::parse(run({TROUPECTL_BINARY, "--node", n2.address, "--cookie", cookie, "events", "--json"}),
                              nullptr, false);
  ASSERT_TRUE(timeline.is_object()) << "events --json is not a JSON object";
  EXPECT_EQ(timeline.value("node", ""), n2.name);
  bool moved_event = false;
  for (auto& e : timeline["events"])
    moved_event |= e.value("kind", "") == "child.moved" && e["from"] == n3.name && e["to"] == moved_to;
  EXPECT_TRUE(moved_event) << timeline.dump(1);

  // The figures behind the page: one failover among the survivors, each detected the loss.
  std::uint64_t failovers = 0;
  for (auto* n : {&n1, &n2}) {
    auto m = get(*n, "/metrics.json");
    failovers += m.value("troupe_global_failovers_total", 0ull);
    EXPECT_GE(m.value("troupe_failure_detections_total", 0ull), 1u) << n->name;
    EXPECT_GT(m.value("troupe_failure_detection_last_seconds", 0.0), 0.0) << n->name;
  }
  EXPECT_EQ(failovers, 1u);

  start(2);  // heal: n3 again, same name and address, a new creation
  ASSERT_TRUE(eventually([&] { return state_of(n1, n3.name) == "up" && state_of(n2, n3.name) == "up"; }, 15s));
  auto healed = dom(n1);
  EXPECT_TRUE(has(healed, member_row(n3.name, "up"))) << healed;
  EXPECT_TRUE(has(healed, cell(n3.name, n1.name, "up"))) << "the new n3 answers with its own view";
  EXPECT_TRUE(has(healed, "data-kind=\"member.up\" data-subject=\"" + n3.name + "\"")) << healed;
  screenshot(n1, "live_page_healed.png");
}

}  // namespace
}  // namespace troupe

int main(int argc, char** argv) {
  if (troupe::chromium_path().empty()) {
    std::cout << "live page test skipped: Chromium is not installed (Debian: apt-get install chromium; or set "
                 "TROUPE_CHROMIUM)\n";
    return 77;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
