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

#include "node/log.hpp"
#include "tools/troupectl/commands.hpp"

namespace {

using namespace troupe::ctl;

struct cli {
  std::string node, cookie = "troupe", listen = "tcp://127.0.0.1:*";
  int timeout_ms = 3000;
  bool json = false, verbose = false;
  std::string name, pid_text, reason, type, args, member, spawn_name, target;
  message_args message;
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
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"troupectl: inspect and poke a Troupe cluster"};
  cli o;
  app.add_option("--node", o.node, "address of a node, tcp://HOST:PORT")->envname("TROUPE_NODE")->required();
  app.add_option("--cookie", o.cookie, "the cluster's cookie")->envname("TROUPE_COOKIE");
  app.add_option("--timeout-ms", o.timeout_ms, "how long to wait for the node")->check(CLI::PositiveNumber);
  app.add_option("--listen", o.listen, "where the node reaches troupectl back (must be reachable from it)");
  app.add_flag("--json", o.json, "print JSON");
  app.add_flag("--verbose", o.verbose, "log the transport's messages on stderr");
  app.require_subcommand(1);
  auto run = declare(app, o);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? exit_ok : exit_unreachable;
  }
  troupe::log()->set_level(o.verbose ? spdlog::level::debug : spdlog::level::off);

  admin_client client({.cookie = o.cookie, .listen = o.listen, .timeout = std::chrono::milliseconds(o.timeout_ms)});
  if (auto r = client.start(); !r) return report("cannot start: " + r.error().message(), exit_unreachable);
  auto node = client.connect(o.node);
  if (!node) return report(node.error().context(), exit_unreachable);
  context c{client, *node, o.json};
  return run.at(app.get_subcommands().front())(c);
}
