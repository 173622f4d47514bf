#include "examples/demo_cluster.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <thread>

#include "troupe/ops/admin.hpp"
#include "troupe/ops/admin_messages.hpp"
#include "troupe/node/log.hpp"

namespace troupe::demo {
namespace {

using namespace std::chrono_literals;

/// How often a node that has not answered yet is asked again: a reply sent before its channel
/// back to us is up is lost (docs/PROTOCOL.md, "Consequence for clients").
constexpr auto ping_interval = 200ms;

std::string read_first_line(const std::string& path) {
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  return line;
}

/// Ends the demo at once on SIGTERM/SIGINT. Needed in a container: there the demo is PID 1,
/// which ignores signals it has no handler for, so `docker stop` would wait its whole grace.
void exit_on_signal(int sig) { std::_Exit(128 + sig); }

}  // namespace

void add_cluster_flags(CLI::App& app, cluster_options& opts) {
  app.add_option("--nodes", opts.nodes, "addresses of the cluster's nodes, comma-separated")
      ->envname("TROUPE_NODES")
      ->delimiter(',')
      ->required();
  app.add_option("--cookie", opts.cookie, "the cluster's cookie")->envname("TROUPE_COOKIE");
  app.add_option("--cookie-file", opts.cookie_file, "file whose first line is the cookie (a secret)")
      ->envname("TROUPE_COOKIE_FILE");
  app.add_option("--listen", opts.listen, "where the nodes reach this demo back")->envname("TROUPE_DEMO_LISTEN");
  app.add_option("--advertise", opts.advertise, "the address the nodes should use for this demo")
      ->envname("TROUPE_DEMO_ADVERTISE");
  app.add_flag("--verbose", opts.verbose, "log the demo's own node on stderr");
}

result<std::unique_ptr<cluster>> cluster::join(const std::string& program, cluster_options opts) {
  if (!opts.cookie_file.empty()) opts.cookie = read_first_line(opts.cookie_file);
  log()->set_level(opts.verbose ? spdlog::level::info : spdlog::level::err);
  std::signal(SIGTERM, exit_on_signal);
  std::signal(SIGINT, exit_on_signal);
  std::unique_ptr<cluster> c(new cluster);
  c->opts_ = opts;
  node_config cfg;
  cfg.name = "~" + program + "-" + std::to_string(::getpid());
  cfg.threads = 2;
  cfg.transport.listen = opts.listen;
  cfg.transport.advertise = opts.advertise;
  cfg.transport.cookie = opts.cookie;
  cfg.seeds = opts.nodes;
  auto n = cluster_node::start(cfg);
  if (!n) return std::unexpected(n.error());
  c->node_ = std::move(*n);
  c->self_ = std::make_unique<scoped_actor>(c->node_->system());
  if (auto r = c->connect_all(); !r) return std::unexpected(r.error());
  // Started once every node is up: each replica then syncs with all of them at once.
  c->names_ = start_global_registry(c->node_->system(), c->node_->net());
  c->groups_ = start_process_groups(c->node_->system(), c->node_->net());
  return c;
}

cluster::~cluster() {
  if (node_) node_->stop();
  self_.reset();
  groups_.reset();
  names_.reset();
  node_.reset();
}

/// Waits until every address is connected, then until each node's admin answers a ping.
result<void> cluster::connect_all() {
  auto deadline = std::chrono::steady_clock::now() + opts_.connect_timeout;
  std::vector<std::string> missing;
  for (;;) {
    missing.clear();
    for (const auto& a : opts_.nodes)
      if (name_at(a).empty()) missing.push_back(a);
    // An address may differ from what the node advertises (a host name, 0.0.0.0): count too.
    if (missing.empty() || members().size() >= opts_.nodes.size()) break;
    if (node_->net().stats().auth_failures.load() > 0)
      return fail(errc::unauthorized, "a node refused our cookie (give the cluster's with --cookie or TROUPE_COOKIE)");
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string list;
      for (const auto& a : missing) list += (list.empty() ? "" : ", ") + a;
      return fail(errc::timeout, "no answer from " + list + " (is the cluster up? is the cookie right?)");
    }
    std::this_thread::sleep_for(50ms);  // polling the transport's peer table; no event to wait on here
  }
  for (const auto& m : members())
    if (auto r = wait_answers(m, deadline); !r) return r;
  return {};
}

result<void> cluster::wait_answers(const std::string& node, std::chrono::steady_clock::time_point deadline) {
  while (std::chrono::steady_clock::now() < deadline) {
    auto pong = call_named<admin_pong>(node, admin_process_name, admin_ping{}, ping_interval);
    if (pong) return {};
  }
  return fail(errc::timeout, "node " + node + " is connected but does not answer");
}

std::vector<std::string> cluster::members() const {
  std::vector<std::string> out;
  for (const auto& p : node_->net().peers())
    if (p.up && !p.name.starts_with('~')) out.push_back(p.name);
  std::sort(out.begin(), out.end());
  return out;
}

std::string cluster::name_at(const std::string& address) const {
  for (const auto& p : node_->net().peers())
    if (p.up && p.address == address) return p.name;
  return {};
}

result<pid> cluster::spawn_on(const std::string& node, const std::string& type, std::vector<char> args) {
  std::uint32_t creation = node == system().node_name() ? system().creation() : 0;
  for (const auto& p : node_->net().peers())
    if (p.up && p.name == node) creation = p.creation;
  if (creation == 0) return fail(errc::noconnection, "node " + node + " is not connected");
  auto r = spawn_by_name(**self_, spawner_of(node, creation), type, std::move(args), {}, 5s);
  if (!r) return std::unexpected(r.error());
  return r->child;
}

result<envelope_ptr> cluster::call_named_raw(const std::string& node, const std::string& name, envelope_ptr req,
                                             duration timeout) {
  ref_id ref = system().make_ref();
  req->from = self_->self();
  req->correlation = ref;
  if (!node_->net().send_to_name(node, name, std::move(req)))
    return fail(errc::noconnection, "node " + node + " is not connected");
  const auto want = ref | envelope::reply_bit;
  auto e = (*self_)->receive_if([&](const envelope& x) { return x.correlation == want; }, timeout);
  if (!e) return fail(errc::timeout, "no answer from '" + name + "' on " + node);
  return e;
}

int fail_with(const error& e) {
  std::fprintf(stderr, "error: %s\n", e.message().c_str());
  return 2;
}

}  // namespace troupe::demo
