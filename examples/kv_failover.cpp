/// kv_failover: a key-value store under the global supervisor that outlives its node.
///
///   kv_failover --nodes tcp://127.0.0.1:7101,tcp://127.0.0.1:7102,tcp://127.0.0.1:7103 --cookie secret
///               --kill-cmd 'kill -9 $(cat run/{node}.pid)'
///
/// It asks a node's admin to start the child `kv` (type `demo.kv`, a gen_server) with the global
/// name `kv`: the global supervisor places it on one member by rendezvous hashing. The demo calls
/// it by name only — it never holds on to a pid — and writes a few keys. Then the node running
/// it dies: `--kill-cmd` runs a command to kill it ({node} is replaced by its name); without it,
/// the demo waits `--wait` seconds for someone to kill it (e.g. `docker compose kill n2`).
/// The survivors detect the loss, one of them starts the store again (from its last snapshot),
/// registers the name again, and the demo's next call by name is answered there.
/// Prints where it ran, where it runs now, how long the move took from the kill, and the keys.
/// Exit status 0 once the store answered from another node with the keys it had before.

#include <cstdio>
#include <cstdlib>
#include <thread>

#include "troupe/ops/admin.hpp"
#include "troupe/ops/admin_messages.hpp"
#include "examples/demo_cluster.hpp"
#include "examples/demo_actors.hpp"

namespace {

using namespace troupe;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

struct settings {
  std::string id = "kv";
  std::string name = "kv";
  std::string kill_cmd;
  int wait_s = 600;
  int writes = 5;
};

/// Calls the store by its global name, as this node's replica knows it now.
template <message Req>
result<demo::kv_reply> call_kv(demo::cluster& c, const std::string& name, Req req, duration timeout = 500ms) {
  return call<demo::kv_reply>(c.names(), name, std::move(req), timeout);
}

/// Asks a node's admin to start the store, unless the cluster already has it.
result<void> ensure_started(demo::cluster& c, const settings& s) {
  auto asked = c.members().front();
  auto kids = c.call_named<admin_children_reply>(asked, admin_process_name, admin_children{});
  if (!kids) return std::unexpected(kids.error());
  if (!kids->available) return fail(errc::invalid_argument, "node " + asked + " runs no global supervisor");
  for (const auto& k : kids->children)
    if (k.id == s.id) {
      std::printf("  the cluster already has child '%s'; using it\n", s.id.c_str());
      return {};
    }
  auto done = c.call_named<admin_done>(asked, admin_process_name,
                                       admin_start_child{.id = s.id, .type = "demo.kv", .name = s.name});
  if (!done) return std::unexpected(done.error());
  if (!done->ok) return fail(errc::invalid_argument, "node " + asked + " refused: " + done->error);
  std::printf("  asked %s's global supervisor to start child '%s' (type demo.kv, global name '%s')\n", asked.c_str(),
              s.id.c_str(), s.name.c_str());
  return {};
}

/// Calls `get visits` by name until it answers from a node other than `not_on` (any node if
/// empty), or `timeout` passes. `*last_old` is moved to each answer that still comes from `not_on`.
std::optional<demo::kv_reply> wait_answer(demo::cluster& c, const settings& s, const std::string& not_on,
                                          duration timeout, steady::time_point* last_old = nullptr) {
  auto deadline = steady::now() + timeout;
  while (steady::now() < deadline) {
    auto r = call_kv(c, s.name, demo::kv_get{"visits"}, 300ms);
    if (r && r->node != not_on) return *r;
    if (r && last_old) *last_old = steady::now();
    std::this_thread::sleep_for(20ms);  // polling: the old node still answers, or no one yet
  }
  return std::nullopt;
}

void print_children(demo::cluster& c, const std::string& on) {
  auto kids = c.call_named<admin_children_reply>(on, admin_process_name, admin_children{});
  if (!kids) return;
  std::printf("  global children, as %s sees them:\n", on.c_str());
  for (const auto& k : kids->children)
    std::printf("    %-6s on %-4s %-28s restarts %u%s\n", k.id.c_str(), k.node.empty() ? "-" : k.node.c_str(),
                k.child.to_string().c_str(), k.restarts, k.failed ? "  FAILED" : "");
}

/// Kills `node` with the user's command, or waits for someone to.
bool kill_owner(const settings& s, const std::string& node) {
  if (s.kill_cmd.empty()) {
    std::printf("\nnow kill node %s (e.g. `docker compose kill %s`); waiting up to %d s...\n", node.c_str(),
                node.c_str(), s.wait_s);
    std::fflush(stdout);
    return true;
  }
  auto cmd = s.kill_cmd;
  for (auto at = cmd.find("{node}"); at != std::string::npos; at = cmd.find("{node}", at)) cmd.replace(at, 6, node);
  std::printf("\nkilling node %s: %s\n", node.c_str(), cmd.c_str());
  std::fflush(stdout);
  return std::system(cmd.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kv_failover: a key-value store under the global supervisor survives the loss of its node"};
  demo::cluster_options opts;
  demo::add_cluster_flags(app, opts);
  settings s;
  app.add_option("--id", s.id, "the child's id in the global supervisor");
  app.add_option("--name", s.name, "the store's global name");
  app.add_option("--kill-cmd", s.kill_cmd, "shell command that kills the store's node; {node} is its name");
  app.add_option("--wait", s.wait_s, "without --kill-cmd: seconds to wait for the node to be killed");
  app.add_option("--writes", s.writes, "increments of 'visits' before the kill")->check(CLI::Range(1, 100000));
  CLI11_PARSE(app, argc, argv);

  auto joined = demo::cluster::join("kv-failover", opts);
  if (!joined) return demo::fail_with(joined.error());
  auto& c = **joined;
  std::printf("key-value store under the global supervisor, on %zu nodes\n", c.members().size());
  if (auto r = ensure_started(c, s); !r) return demo::fail_with(r.error());

  auto first = wait_answer(c, s, "", 10s);
  if (!first) return demo::fail_with(error(errc::timeout, "the store did not answer by name within 10 s"));
  auto owner = first->node;
  std::printf("  '%s' runs on %s as %s\n", s.name.c_str(), owner.c_str(), c.names().whereis(s.name)->to_string().c_str());

  demo::kv_reply last;
  for (int i = 0; i < s.writes; ++i) {
    auto r = call_kv(c, s.name, demo::kv_incr{"visits", 1}, 2s);
    if (!r) return demo::fail_with(r.error());
    last = *r;
  }
  if (auto r = call_kv(c, s.name, demo::kv_put{"answer", 42}, 2s); !r) return demo::fail_with(r.error());
  std::printf("  wrote: visits += 1 (x%d) -> visits = %lld; answer = 42   (answered by %s)\n", s.writes,
              static_cast<long long>(last.value), last.node.c_str());

  if (!kill_owner(s, owner)) return demo::fail_with(error(errc::invalid_argument, "the kill command failed"));
  // Failover time: from the kill (or, when someone else kills it, the old node's last answer)
  // to the first answer from the new node.
  auto killed_at = steady::now();
  auto moved = wait_answer(c, s, owner, s.kill_cmd.empty() ? std::chrono::seconds(s.wait_s) : duration(30s), &killed_at);
  if (!moved) {
    std::printf("  the store did not answer from another node in time\n");
    return 1;
  }
  auto took = demo::ms_between(killed_at, steady::now());
  std::printf("  '%s' moved: it ran on %s, it runs now on %s as %s\n", s.name.c_str(), owner.c_str(), moved->node.c_str(),
              c.names().whereis(s.name)->to_string().c_str());
  std::printf("  failover: %.0f ms from the %s to the first answer by name from %s\n", took,
              s.kill_cmd.empty() ? ("last answer from " + owner).c_str() : "kill", moved->node.c_str());
  auto answer = call_kv(c, s.name, demo::kv_get{"answer"}, 2s);
  bool resumed = moved->value == last.value && answer && answer->value == 42;
  std::printf("  after the move: visits = %lld, answer = %lld  %s\n", static_cast<long long>(moved->value),
              static_cast<long long>(answer ? answer->value : 0),
              resumed ? "(resumed from its snapshot)" : "(state lost: it restarted from its arguments)");
  print_children(c, moved->node);
  return resumed ? 0 : 1;
}
