/// troupectl: inspect and poke a running Troupe cluster through a node's admin process.
///
///   troupectl --node tcp://127.0.0.1:7101 --cookie secret members --json
///   troupectl --node tcp://127.0.0.1:7101 spawn counter --args 5 --name c1
///   troupectl --node tcp://127.0.0.1:7101 call c1 --type troupe.counter.inc --args '{"by":2}'
///
/// It runs a tiny hidden node (named "~troupectl-<pid>"), connects to --node, and calls its
/// "troupe.admin" process. Exit status: 0 done, 1 the command failed on the node, 2 troupectl
/// could not talk to the node or was used wrongly. See docs/troupectl.md.

#include <CLI/CLI.hpp>
#include <expected>
#include <fstream>

#include "troupe/node/log.hpp"
#include "troupe/version.hpp"
#include "tools/troupectl/children_commands.hpp"
#include "tools/troupectl/commands.hpp"
#include "tools/troupectl/metrics_command.hpp"
#include "tools/troupectl/sys_commands.hpp"

namespace {

using namespace troupe::ctl;

struct cli {
  std::string node, cookie = "troupe", listen = "tcp://127.0.0.1:*";
  int timeout_ms = 3000;
  bool json = false, verbose = false;
  std::string name, pid_text, reason, type, args, member, spawn_name, target;
  std::uint32_t event_limit = 0;
  bool follow = false;
  message_args message;
  child_args child;
  int drain_wait_ms = 30000;
};

CLI::App* command(CLI::App& app, cli& o, const std::string& name, const std::string& help) {
  auto* sub = app.add_subcommand(name, help);
  sub->add_flag("--json", o.json, "print JSON");
  return sub;
}

void add_message_options(CLI::App* sub, cli& o) {
  sub->add_option("target", o.target, "a pid <n.c.s> or a registered name")->required();
  sub->add_option("message", o.message.message, "a JSON string (troupe.text) or object (troupe.map)");
  sub->add_option("--type", o.message.type, "a message type by wire name, e.g. troupe.counter.inc");
  sub->add_option("--args", o.message.args, "the fields of --type: a JSON object or array");
}

/// Declares every command; returns the function that runs the one given.
std::map<CLI::App*, std::function<int(context&)>> declare(CLI::App& app, cli& o) {
  std::map<CLI::App*, std::function<int(context&)>> run;
  run[command(app, o, "members", "the members as the node sees them")] = [](context& c) { return members(c); };
  auto* dn = command(app, o, "down", "remove NODE, a member that is down for good, from the cluster (it stops counting toward quorum)");
  dn->add_option("node", o.member, "the member to remove")->required();
  run[dn] = [&o](context& c) { return down(c, o.member); };
  auto* ev = command(app, o, "events", "what happened, as the node saw it: members up/down/removed, children started/moved/restarted, quorum");
  ev->add_option("--limit", o.event_limit, "only the newest N events")->check(CLI::Range(1u, 100000u));
  ev->add_flag("--follow,-f", o.follow, "then print new events as they happen (Ctrl-C stops)");
  run[ev] = [&o](context& c) { return events(c, o.event_limit, o.follow); };
  auto* w = command(app, o, "whereis", "the pid registered under NAME");
  w->add_option("name", o.name)->required();
  run[w] = [&o](context& c) { return whereis(c, o.name); };
  run[command(app, o, "names", "registered names (local and global)")] = [](context& c) { return names(c); };
  run[command(app, o, "groups", "process groups")] = [](context& c) { return groups(c); };
  auto* p = command(app, o, "ps", "processes of the node (or of member --node N)");
  p->add_option("--node", o.member, "a member's name");
  run[p] = [&o](context& c) { return ps(c, o.member); };
  auto* i = command(app, o, "info", "details of one process");
  i->add_option("pid", o.pid_text)->required();
  run[i] = [&o](context& c) { return info(c, o.pid_text); };
  auto* s = command(app, o, "send", "send a message (no answer)");
  add_message_options(s, o);
  run[s] = [&o](context& c) { return send(c, o.target, o.message); };
  auto* k = command(app, o, "call", "call a process and print its answer");
  add_message_options(k, o);
  run[k] = [&o](context& c) { return call(c, o.target, o.message); };
  auto* x = command(app, o, "kill", "send an exit signal (default reason: kill)");
  x->add_option("pid", o.pid_text)->required();
  x->add_option("reason", o.reason, "kill, normal, shutdown, or any text");
  run[x] = [&o](context& c) { return kill(c, o.pid_text, o.reason); };
  auto* sp = command(app, o, "spawn", "spawn an actor by type name through the node's spawner");
  sp->add_option("type", o.type)->required();
  sp->add_option("--args", o.args, "its argument, as JSON");
  sp->add_option("--name", o.spawn_name, "register the new process under this name");
  run[sp] = [&o](context& c) { return spawn(c, o.type, o.args, o.spawn_name); };
  auto* r = command(app, o, "register", "register NAME for PID (a process of the node)");
  r->add_option("name", o.name)->required();
  r->add_option("pid", o.pid_text)->required();
  run[r] = [&o](context& c) { return register_name(c, o.name, o.pid_text); };
  auto* ch = command(app, o, "children", "where each global child runs, its restarts and last move");
  run[ch] = [](context& c) { return children(c); };
  auto* sc = command(app, o, "start-child", "start a child under the global supervisor, somewhere in the cluster");
  sc->add_option("type", o.child.type, "an actor type some node hosts, e.g. counter")->required();
  sc->add_option("--id", o.child.id, "the child's id, unique in the cluster")->required();
  sc->add_option("--name", o.child.name, "global name to register it under while it runs");
  sc->add_option("--args", o.child.args, "its argument, as JSON");
  sc->add_option("--restart", o.child.restart, "permanent (default), transient or temporary")
      ->check(CLI::IsMember({"permanent", "transient", "temporary"}));
  sc->add_option("--prefer", o.child.preferred, "run on one of these nodes when one is up")->delimiter(',');
  sc->add_flag("--pinned", o.child.pinned, "with --prefer: never run anywhere else");
  run[sc] = [&o](context& c) { return start_child(c, o.child); };
  auto* st = command(app, o, "stop-child", "stop a global child and remove it from the cluster");
  st->add_option("id", o.name)->required();
  run[st] = [&o](context& c) { return stop_child(c, o.name); };
  auto* dr = command(app, o, "drain", "hand NODE's global children to the others, then stop NODE");
  dr->add_option("node", o.member, "the member to drain (default: the node --node reaches, as a Kubernetes preStop hook wants)");
  dr->add_option("--wait-ms", o.drain_wait_ms, "how long to wait for it to leave");
  run[dr] = [&o](context& c) { return drain(c, o.member, o.drain_wait_ms); };
  run[command(app, o, "metrics", "the node's counters and gauges (its management endpoint's /metrics)")] =
      [](context& c) { return metrics(c); };
  add_sys_commands(app, o.json, run);  // troupectl sys ... (sys_commands.hpp)
  return run;
}

/// A usage mistake: what is wrong, and for a missing or unknown command, the commands there are.
int usage_error(const CLI::App& app, const CLI::ParseError& e) {
  std::string what = e.what();
  const bool about_command = dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr ||
                             what.find("subcommand") != std::string::npos;
  if (about_command && app.get_subcommands().empty()) {
    std::string commands;
    for (const auto* sub : app.get_subcommands({})) commands += (commands.empty() ? "" : ", ") + sub->get_name();
    const auto& extras = app.remaining();
    what = extras.empty() ? "no command given" : "unknown command '" + extras.front() + "'";
    what += "; the commands are: " + commands + " (troupectl --help)";
  }
  return report(what, exit_unreachable);
}

/// --node as ZeroMQ wants it: HOST:PORT gets tcp://; any other scheme is named as the mistake.
std::expected<std::string, std::string> node_address(const std::string& given) {
  if (given.starts_with("tcp://")) return given;
  if (given.find("://") != std::string::npos)
    return std::unexpected("--node wants tcp://HOST:PORT (a node's --listen address), not '" + given + "'");
  if (given.rfind(':') == std::string::npos || given.ends_with(':'))
    return std::unexpected("--node wants tcp://HOST:PORT (a node's --listen address), not '" + given + "'");
  return "tcp://" + given;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"troupectl: inspect and poke a Troupe cluster"};
  app.set_version_flag("--version", "troupectl (Troupe) " + std::string(troupe::version()));
  cli o;
  app.add_option("--node", o.node, "address of a node, tcp://HOST:PORT")->envname("TROUPE_NODE")->required();
  app.add_option("--cookie", o.cookie, "the cluster's cookie")->envname("TROUPE_COOKIE");
  std::string cookie_file;  // a secret mounted as a file (docker compose secrets)
  app.add_option("--cookie-file", cookie_file, "file whose first line is the cookie (wins over --cookie)")
      ->envname("TROUPE_COOKIE_FILE");
  app.add_option("--timeout-ms", o.timeout_ms, "how long to wait for the node, 1 to 3600000")
      ->check(CLI::Range(1, 3'600'000).description("").name("1..3600000"));
  app.add_option("--listen", o.listen, "where the node reaches troupectl back (must be reachable from it)");
  app.add_flag("--json", o.json, "print JSON");
  app.add_flag("--verbose", o.verbose, "log the transport's messages on stderr");
  app.require_subcommand(1);
  auto run = declare(app, o);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(app, e);
  }
  if (auto fixed = node_address(o.node); !fixed) return report(fixed.error(), exit_unreachable);
  else o.node = *fixed;
  troupe::log()->set_level(o.verbose ? spdlog::level::debug : spdlog::level::off);
  if (!cookie_file.empty()) {
    std::ifstream f(cookie_file);
    if (!std::getline(f, o.cookie)) return report("cannot read the cookie from " + cookie_file, exit_unreachable);
  }

  admin_client client({.cookie = o.cookie, .listen = o.listen, .timeout = std::chrono::milliseconds(o.timeout_ms)});
  if (auto r = client.start(); !r) return report("cannot start: " + r.error().message(), exit_unreachable);
  auto node = client.connect(o.node);
  if (!node) return report(node.error().context(), exit_unreachable);
  context c{client, *node, o.json};
  return run.at(app.get_subcommands().front())(c);
}
