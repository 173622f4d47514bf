// The management endpoint: real troupe-node processes started with --http, asked over HTTP and
// with the real troupectl binary, whose answers must agree; bad requests; and one node in this
// process (so the sanitizers see the server's threads) for limits, concurrency and stop.

#include <algorithm>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cstdlib>
#include <set>
#include <sstream>
#include <thread>

#include "troupe/ops/admin.hpp"
#include "troupe/ops/management_endpoint.hpp"
#include "troupe/cluster/cluster_node.hpp"
#include "troupe/version.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_pair.hpp"

namespace troupe {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* cookie = "http-cookie";

/// Polls `pred` until it holds or `timeout` passes (tests/support/eventually.hpp).
template <class P>
bool eventually(P pred, std::chrono::milliseconds timeout = 10s) {
  return test::eventually(std::move(pred), timeout, 20ms);
}

json parse(const std::string& text) { return json::parse(text, nullptr, false); }

/// A troupe-node process with its endpoint on a free loopback port.
struct node_proc : test::node_process {
  void start(const std::string& n, const std::string& seeds, std::vector<std::string> extra = {}) {
    static_cast<test::node_process&>(*this) = test::start_node_process(
        TROUPE_NODE_BINARY, n, {.cookie = cookie, .seeds = seeds, .http = true, .extra = std::move(extra)});
    ASSERT_TRUE(started()) << error;
  }
};

struct ctl_result {
  int status = -1;
  std::string output;
  [[nodiscard]] json as_json() const { return parse(output); }
};

/// Runs the real troupectl against `address` to its end (stdout only: JSON stays parseable).
ctl_result run_ctl(const std::string& address, std::vector<std::string> args) {
  std::vector<std::string> argv{TROUPECTL_BINARY, "--node", address, "--cookie", cookie, "--timeout-ms", "3000"};
  argv.insert(argv.end(), args.begin(), args.end());
  test::child_process p(argv);
  ctl_result r;
  while (auto line = p.read_line(20s)) r.output += *line + "\n";
  auto status = p.wait_exit(20s);
  if (status && WIFEXITED(*status)) r.status = WEXITSTATUS(*status);
  return r;
}

/// Two nodes for the whole suite (starting processes is the slow part).
class ManagementEndpointTest : public ::testing::Test {
 protected:
  static inline node_proc n1, n2;

  static void SetUpTestSuite() {
    auto tag = std::to_string(::getpid());
    n1.start("http-a-" + tag, "");
    n2.start("http-b-" + tag, n1.address);
    // Both members up as each sees the other: membership converges by gossip.
    bool both = eventually([] {
      auto j = parse(test::http_get(n1.http_port, "/cluster").body);
      auto k = parse(test::http_get(n2.http_port, "/cluster").body);
      auto ups = [](const json& v) {
        return v.is_array() ? std::count_if(v.begin(), v.end(), [](auto& m) { return m.value("state", "") == "up"; }) : 0;
      };
      return ups(j) == 2 && ups(k) == 2;
    });
    ASSERT_TRUE(both) << "the two nodes did not see each other up";
  }
  static void TearDownTestSuite() {
    n1.proc.reset();
    n2.proc.reset();
  }

  static json get_json(const std::string& path, const node_proc& n = n1) {
    auto r = test::http_get(n.http_port, path);
    EXPECT_EQ(r.status, 200) << path << ": " << r.headers << "\n" << r.body;
    EXPECT_NE(r.headers.find("Content-Type: application/json"), std::string::npos) << r.headers;
    return parse(r.body);
  }
  static json ctl_json(std::vector<std::string> args) {
    args.push_back("--json");
    auto r = run_ctl(n1.address, args);
    EXPECT_EQ(r.status, 0) << r.output;
    return r.as_json();
  }
};

TEST_F(ManagementEndpointTest, HealthSaysOkWithTheNodesNameAndCreation) {
  auto j = get_json("/health");
  EXPECT_EQ(j.value("status", ""), "ok");
  EXPECT_EQ(j.value("node", ""), n1.name);
  EXPECT_GT(j.value("creation", 0u), 0u);
}

TEST_F(ManagementEndpointTest, ClusterIsExactlyWhatTroupectlMembersPrints) {
  auto endpoint = get_json("/cluster");
  ASSERT_TRUE(endpoint.is_array() && endpoint.size() == 2) << endpoint.dump();
  EXPECT_EQ(endpoint, ctl_json({"members"}));
}

TEST_F(ManagementEndpointTest, NamesAreExactlyWhatTroupectlNamesPrints) {
  auto endpoint = get_json("/names");
  EXPECT_TRUE(endpoint.contains("local") && endpoint["local"].is_array()) << endpoint.dump();
  EXPECT_EQ(endpoint, ctl_json({"names"}));
}

TEST_F(ManagementEndpointTest, GroupsAreExactlyWhatTroupectlGroupsPrints) {
  EXPECT_EQ(get_json("/groups"), ctl_json({"groups"}));
}

TEST_F(ManagementEndpointTest, ChildrenAreExactlyWhatTroupectlChildrenPrints) {
  auto started = run_ctl(n1.address, {"start-child", "counter", "--id", "http-test-child", "--args", "1"});
  ASSERT_EQ(started.status, 0) << started.output;
  json endpoint;
  ASSERT_TRUE(eventually([&] {
    endpoint = get_json("/children");
    for (auto& c : endpoint)
      if (c.value("id", "") == "http-test-child" && c["node"].is_string()) return true;
    return false;
  })) << "the child was not placed: " << endpoint.dump();
  EXPECT_EQ(endpoint, ctl_json({"children"}));
}

TEST_F(ManagementEndpointTest, ProcessesAreTheSameAsTroupectlPs) {
  // Message counts move between two asks (each ask is a message); pids and names do not.
  auto ids = [](const json& ps) {
    std::set<std::pair<std::string, std::string>> out;
    for (auto& p : ps) out.emplace(p.at("pid").get<std::string>(), p.at("name").get<std::string>());
    return out;
  };
  auto endpoint = get_json("/processes");
  ASSERT_TRUE(endpoint.is_array() && !endpoint.empty()) << endpoint.dump();
  EXPECT_EQ(ids(endpoint), ids(ctl_json({"ps"})));
  EXPECT_EQ(endpoint[0].size(), ctl_json({"ps"})[0].size()) << "same fields";
  bool own_process = false;
  for (auto& p : endpoint) own_process |= p.at("name") == "troupe.http.0";
  EXPECT_TRUE(own_process) << "the endpoint's caller process is named and listed";
}

TEST_F(ManagementEndpointTest, MetricsFromTroupectlLieBetweenTwoReadingsOfTheEndpoint) {
  auto before = get_json("/metrics.json");
  auto ctl = ctl_json({"metrics"});
  auto after = get_json("/metrics.json");
  ASSERT_TRUE(before.is_object() && before.size() > 20) << before.dump();
  ASSERT_EQ(ctl.size(), before.size());
  for (auto& [id, v] : before.items()) {
    ASSERT_TRUE(ctl.contains(id) && after.contains(id)) << id;
    // Gauges that go up and down by themselves.
    if (id == "troupe_mailbox_length_max" || id.starts_with("troupe_peer_")) continue;
    EXPECT_LE(v.get<std::uint64_t>(), ctl[id].get<std::uint64_t>()) << id;
    EXPECT_LE(ctl[id].get<std::uint64_t>(), after[id].get<std::uint64_t>()) << id;
  }
  EXPECT_GT(ctl["troupe_messages_in_total"].get<std::uint64_t>(), 0u) << "troupectl's own messages count";
  EXPECT_EQ(ctl["troupe_members{state=\"up\"}"], 2);
}

TEST_F(ManagementEndpointTest, PrometheusTextDescribesEverySampleOfTheJson) {
  auto r = test::http_get(n1.http_port, "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.headers.find("Content-Type: text/plain; version=0.0.4"), std::string::npos) << r.headers;
  auto j = get_json("/metrics.json");
  std::set<std::string> samples, typed;
  std::istringstream in(r.body);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("# TYPE ")) typed.insert(line.substr(7, line.find(' ', 7) - 7));
    else if (!line.starts_with("#") && !line.empty()) samples.insert(line.substr(0, line.rfind(' ')));
  }
  std::set<std::string> ids;
  for (auto& [id, v] : j.items()) ids.insert(id);
  EXPECT_EQ(samples, ids);
  for (auto& id : ids) EXPECT_TRUE(typed.contains(id.substr(0, id.find('{')))) << id << " has no TYPE line";
}

/// promtool on the PATH (Debian package `prometheus`), or empty.
std::string find_promtool() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');)
    if (auto file = dir + "/promtool"; !dir.empty() && ::access(file.c_str(), X_OK) == 0) return file;
  return {};
}

TEST_F(ManagementEndpointTest, MetricsPassPromtoolCheckMetrics) {
  auto promtool = find_promtool();
  if (promtool.empty()) GTEST_SKIP() << "promtool is not installed (Debian package prometheus; tools/setup.sh installs it)";
  auto r = test::http_get(n1.http_port, "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("troupe_build_info{version=\"" + std::string(version()) + "\"} 1\n"), std::string::npos)
      << r.body;
  char file[] = "/tmp/troupe-metrics-XXXXXX";
  int fd = ::mkstemp(file);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, r.body.data(), r.body.size()), static_cast<ssize_t>(r.body.size()));
  ::close(fd);
  test::child_process check({"/bin/sh", "-c", "exec \"$0\" check metrics < \"$1\" 2>&1", promtool, file});
  std::string said;
  while (auto line = check.read_line(20s)) said += *line + "\n";
  auto status = check.wait_exit(20s);
  ::unlink(file);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "promtool check metrics:\n" << said << "\n" << r.body;
  EXPECT_EQ(said, "");
}

TEST_F(ManagementEndpointTest, ViewsShowEachMembersOwnMemberListAndMetrics) {
  auto v = get_json("/cluster/views");
  ASSERT_TRUE(v.is_object()) << v.dump();
  EXPECT_EQ(v.value("node", ""), n1.name);
  for (auto* n : {&n1, &n2}) {
    auto& view = v["views"][n->name];
    ASSERT_TRUE(view.is_array()) << n->name << ": " << v.dump();
    EXPECT_EQ(view.size(), 2u);
    for (auto& m : view) EXPECT_EQ(m.at("state"), "up") << n->name << " sees " << m.dump();
    EXPECT_TRUE(v["metrics"][n->name].contains("troupe_messages_in_total")) << n->name;
  }
  EXPECT_TRUE(v["errors"].empty()) << v["errors"].dump();
}

TEST_F(ManagementEndpointTest, TheLivePageIsServedAtTheRoot) {
  auto r = test::http_get(n1.http_port, "/");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.headers.find("Content-Type: text/html"), std::string::npos);
  EXPECT_NE(r.body.find("<title>Troupe cluster</title>"), std::string::npos);
  for (auto external : {"src=\"http", "href=\"http", "url(http", "@import"})
    EXPECT_EQ(r.body.find(external), std::string::npos) << "no external resources: " << external;
}

TEST_F(ManagementEndpointTest, PostIsRefusedWith405AndAllowGet) {
  auto r = test::http_raw(n1.http_port, "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
  EXPECT_EQ(r.status, 405) << r.headers;
  EXPECT_NE(r.headers.find("Allow: GET"), std::string::npos) << r.headers;
}

TEST_F(ManagementEndpointTest, DownIsRefusedWith403WhenTheNodeWasNotStartedWithHttpAdmin) {
  auto r = test::http_raw(n1.http_port, "POST /cluster/members/" + n2.name + "/down HTTP/1.1\r\nHost: x\r\n"
                                        "Authorization: Bearer " + std::string(cookie) + "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(r.status, 403) << r.headers << "\n" << r.body;
  EXPECT_NE(r.body.find("--http-admin"), std::string::npos) << r.body;
  EXPECT_EQ(get_json("/cluster").size(), 2u) << "nothing was removed";
}

TEST_F(ManagementEndpointTest, EventsListTheTimelineAndTakeAnAfterQuery) {
  auto all = get_json("/events");
  ASSERT_TRUE(all.is_object()) << all;
  EXPECT_EQ(all.value("node", ""), n1.name);
  bool saw_n2_up = false;
  for (auto& e : all["events"]) saw_n2_up |= e.value("kind", "") == "member.up" && e["subject"] == n2.name;
  EXPECT_TRUE(saw_n2_up) << all.dump(1);
  const auto last = all.value("last_seq", 0ull);
  EXPECT_TRUE(get_json("/events?after=" + std::to_string(last))["events"].empty()) << "nothing after the newest";
  EXPECT_EQ(ctl_json({"events"})["events"].size(), all["events"].size()) << "troupectl events --json is the same list";
}

/// POST /cluster/members/NAME/down to `port`, with `authorization` as the header's value (none if empty).
test::http_reply post_down(std::uint16_t port, const std::string& name, const std::string& authorization) {
  std::string req = "POST /cluster/members/" + name + "/down HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
  if (!authorization.empty()) req += "Authorization: " + authorization + "\r\n";
  return test::http_raw(port, req + "Content-Length: 0\r\n\r\n");
}

TEST(ManagementDownTest, WithHttpAdminTheCookieHolderRemovesADownMemberAndNobodyElseCan) {
  auto tag = std::to_string(::getpid());
  node_proc a, b;
  a.start("down-a-" + tag, "", {"--http-admin"});
  b.start("down-b-" + tag, a.address);
  auto state_of_b = [&] {
    for (auto& m : parse(test::http_get(a.http_port, "/cluster").body))
      if (m.is_object() && m.value("name", "") == b.name) return m.value("state", "");
    return std::string();
  };
  ASSERT_TRUE(eventually([&] { return state_of_b() == "up"; }));
  auto refused_while_up = post_down(a.http_port, b.name, "Bearer " + std::string(cookie));
  EXPECT_EQ(refused_while_up.status, 409) << "a member that is up is never removed: " << refused_while_up.body;
  b.proc->signal(SIGKILL);
  ASSERT_TRUE(b.proc->wait_exit(5s));
  ASSERT_TRUE(eventually([&] { return state_of_b() == "down"; }, 15s)) << state_of_b();

  auto no_token = post_down(a.http_port, b.name, "");
  EXPECT_EQ(no_token.status, 401) << no_token.body;
  EXPECT_NE(no_token.headers.find("WWW-Authenticate: Bearer"), std::string::npos) << no_token.headers;
  EXPECT_EQ(post_down(a.http_port, b.name, "Bearer not-the-cookie").status, 401);
  EXPECT_EQ(post_down(a.http_port, a.name, "Bearer " + std::string(cookie)).status, 409) << "a node cannot remove itself";
  EXPECT_EQ(post_down(a.http_port, "nobody-" + tag, "Bearer " + std::string(cookie)).status, 409);
  EXPECT_EQ(state_of_b(), "down") << "no refused request changed anything";

  auto removed = post_down(a.http_port, b.name, "Bearer " + std::string(cookie));
  EXPECT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(parse(removed.body).value("removed", ""), b.name);
  ASSERT_TRUE(eventually([&] { return state_of_b() == "left"; })) << state_of_b();
  json timeline;  // polled: under load one answer may be a 503 from a busy admin
  EXPECT_TRUE(eventually([&] {
    timeline = parse(test::http_get(a.http_port, "/events").body);
    if (!timeline.is_object() || !timeline["events"].is_array()) return false;
    return std::ranges::any_of(timeline["events"], [&](const json& e) {
      return e.value("kind", "") == "member.removed" && e["subject"] == b.name;
    });
  })) << "the removal is on the timeline: " << timeline.dump(1);
}

TEST_F(ManagementEndpointTest, AnUnknownPathIs404) {
  auto r = test::http_get(n1.http_port, "/no/such/thing?x=1");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(parse(r.body).value("error", "").find("/no/such/thing"), std::string::npos) << r.body;
}

TEST_F(ManagementEndpointTest, AHugeHeaderIs431AndTheNodeKeepsServing) {
  std::string req = "GET /health HTTP/1.1\r\nHost: x\r\nX-Filler: " + std::string(64 * 1024, 'a') + "\r\n\r\n";
  auto r = test::http_raw(n1.http_port, req);
  EXPECT_EQ(r.status, 431) << r.headers;
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(test::http_get(n1.http_port, "/health").status, 200);
}

TEST_F(ManagementEndpointTest, GarbageIs400AndTheNodeKeepsServing) {
  for (std::string junk : {std::string("NOT HTTP AT ALL\r\n\r\n"), std::string("GET http://elsewhere/health HTTP/1.1\r\n\r\n"),
                           std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + "\r\n\r\n"}) {
    auto r = test::http_raw(n1.http_port, junk);
    EXPECT_EQ(r.status, 400) << junk << " -> " << r.headers;
  }
  auto big_body = test::http_raw(n1.http_port, "GET /health HTTP/1.1\r\nContent-Length: 100000\r\n\r\n" + std::string(100000, 'x'));
  EXPECT_EQ(big_body.status, 413) << big_body.headers;
  EXPECT_EQ(test::http_get(n1.http_port, "/health").status, 200);
}

TEST(ManagementHttpFlagTest, ABadAddressStopsTheNodeWithAClearMessage) {
  for (std::string bad : {"not-an-address", "127.0.0.1:99999", "example.com:80"}) {
    std::vector<std::string> argv{"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1", TROUPE_NODE_BINARY, "--name", "bad-http",
                                  "--listen", "tcp://127.0.0.1:*", "--http", bad, "--log-level", "off"};
    test::child_process p(argv);
    auto line = p.read_line(10s);
    ASSERT_TRUE(line) << bad;
    EXPECT_NE(line->find("--http"), std::string::npos) << *line;
    auto status = p.wait_exit(10s);
    ASSERT_TRUE(status) << bad;
    EXPECT_EQ(WEXITSTATUS(*status), 2) << bad;  // a configuration error: nothing started
  }
}

TEST(ManagementAddressTest, PortAloneMeansLoopbackAndIpv6NeedsBrackets) {
  auto a = parse_http_address("8080");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->address, "127.0.0.1");
  EXPECT_EQ(a->port, 8080);
  auto b = parse_http_address("0.0.0.0:9000");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->address, "0.0.0.0");
  auto c = parse_http_address("[::1]:7000");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->address, "::1");
  EXPECT_FALSE(parse_http_address("127.0.0.1:"));
  EXPECT_FALSE(parse_http_address(":80"));
  EXPECT_FALSE(parse_http_address("127.0.0.1:70000"));
}

/// One node in this process, so the endpoint's threads run under the test's sanitizer.
class InProcessEndpointTest : public ::testing::Test {
 protected:
  std::unique_ptr<cluster_node> node_;
  std::unique_ptr<management_endpoint> http_;

  void SetUp() override {
    node_config cfg{.name = test::unique_name("http"), .threads = 2};
    cfg.transport = test::fast_config("http");
    auto n = cluster_node::start(cfg);
    ASSERT_TRUE(n) << n.error().message();
    node_ = std::move(*n);
    start_admin(*node_);
  }
  void TearDown() override {
    http_.reset();  // before the node (see management_endpoint.hpp)
    if (node_) node_->stop();
  }
  void start(management_options o) {
    auto h = management_endpoint::start(*node_, o);
    ASSERT_TRUE(h) << h.error().message();
    http_ = std::move(*h);
  }
};

TEST_F(InProcessEndpointTest, ConcurrentRequestsAllGetAnswersAndStopIsClean) {
  start({.threads = 2});
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t)
    clients.emplace_back([&, t] {
      const char* paths[] = {"/health", "/cluster", "/processes", "/metrics", "/cluster/views", "/"};
      for (int i = 0; i < 10; ++i) ok += test::http_get(http_->port(), paths[(t + i) % 6]).status == 200;
    });
  for (auto& c : clients) c.join();
  EXPECT_EQ(ok.load(), 40);
  http_->stop();
  EXPECT_EQ(test::http_get(http_->port(), "/health").status, 0) << "nothing listens after stop";
}

TEST_F(InProcessEndpointTest, AClientThatSendsNothingIsDisconnectedAfterTheRequestTimeout) {
  start({.request_timeout = 300ms});
  auto began = std::chrono::steady_clock::now();
  auto r = test::http_raw(http_->port(), "GET /health HTTP/1.1\r\nHost: x\r\n", 5s);  // never finishes its header
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(r.status, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - began, 3s);
}

TEST_F(InProcessEndpointTest, ConnectionsBeyondTheLimitAreClosedAtOnce) {
  start({.max_connections = 1});
  // The first connection stays open (keep-alive, idle); the second is turned away.
  int held = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(http_->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(held, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  auto turned_away = test::http_get(http_->port(), "/health");
  EXPECT_EQ(turned_away.status, 0);
  EXPECT_TRUE(turned_away.closed);
  ::close(held);
  EXPECT_TRUE(eventually([&] { return test::http_get(http_->port(), "/health").status == 200; }, 5s))
      << "served again once the first connection closed";
}

TEST_F(InProcessEndpointTest, AnEndpointWithoutAnAdminAnswers503NotAHang) {
  node_->system().exit(*node_->system().whereis(admin_process_name), exit_reason::kill());
  ASSERT_TRUE(eventually([&] { return !node_->system().whereis(admin_process_name); }));
  start({.admin_timeout = 300ms});
  auto r = test::http_get(http_->port(), "/cluster");
  EXPECT_EQ(r.status, 503) << r.body;
  auto health = test::http_get(http_->port(), "/health");
  EXPECT_EQ(health.status, 503) << health.body;
  EXPECT_NE(health.body.find("\"unavailable\""), std::string::npos) << health.body;
  EXPECT_EQ(test::http_get(http_->port(), "/").status, 200) << "the page needs no admin";
}

}  // namespace
}  // namespace troupe
