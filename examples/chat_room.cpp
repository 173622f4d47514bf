/// chat_room: a chat room over cluster-wide process groups.
///
///   chat_room --nodes tcp://127.0.0.1:7101,tcp://127.0.0.1:7102,tcp://127.0.0.1:7103 --cookie secret
///
/// A room is the process group `chat.<room>` (registry/process_groups.hpp): saying a line is
/// sending it to every member, wherever it runs. The demo starts a bot (`demo.chat_member`) on
/// every node, joins the room itself as a person, speaks, and prints the answers as they come
/// from each node; then one bot is killed, the room shrinks on every replica, and it speaks
/// again. With `--interactive` it skips the script: type lines, see everyone's.
/// Exit status 0 when every bot answered each time.

#include <cstdio>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "examples/demo_cluster.hpp"
#include "examples/demo_actors.hpp"

namespace {

using namespace troupe;
using namespace std::chrono_literals;

/// Polls the local replica until `group` has `n` members (joins and leaves reach it one message
/// after they happen on their node).
bool wait_members(process_groups& groups, const std::string& group, std::size_t n, duration timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (groups.members(group).size() != n) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

void print_room(process_groups& groups, const std::string& group) {
  std::printf("  the room has %zu members:", groups.members(group).size());
  for (const auto& m : groups.members(group)) std::printf(" %s", m.to_string().c_str());
  std::printf("\n");
}

/// Says `text` as `nick` to the room, and waits until each of `bots` has answered, saying it
/// again (once a second) to the bots that have not yet: a bot whose node had not yet heard that
/// we joined could not answer the first time. Prints each answer once.
bool say_and_hear(demo::cluster& c, blocking_actor& me, const std::string& room, const std::string& nick,
                  const std::string& text, std::set<std::string> bots) {
  std::printf("%s: %s\n", nick.c_str(), text.c_str());
  auto start = std::chrono::steady_clock::now();
  for (int attempt = 0; attempt < 5 && !bots.empty(); ++attempt) {
    for (const auto& m : c.groups().members(demo::chat_group(room)))
      if (m != me.self()) me.send(m, demo::chat_line{room, nick, text, false});
    auto until = std::chrono::steady_clock::now() + 1s;
    while (!bots.empty() && std::chrono::steady_clock::now() < until) {
      auto line = me.receive<demo::chat_line>(std::chrono::duration_cast<duration>(until - std::chrono::steady_clock::now()));
      if (!line || !bots.erase(line->nick)) continue;
      std::printf("  %-9s %s\n", (line->nick + ":").c_str(), line->text.c_str());
    }
  }
  if (!bots.empty()) {
    std::printf("  no answer from %zu bot(s)\n", bots.size());
    return false;
  }
  std::printf("  every bot answered within %.1f ms\n", demo::ms_between(start, std::chrono::steady_clock::now()));
  return true;
}

int interactive(demo::cluster& c, const std::string& room, const std::string& nick) {
  auto group = demo::chat_group(room);
  auto printer = c.system().spawn([](actor&) -> behavior {
    return {[](const demo::chat_line& l) { std::printf("%s: %s\n", l.nick.c_str(), l.text.c_str()); std::fflush(stdout); }};
  });
  if (auto r = c.groups().join(group, printer); !r) return demo::fail_with(r.error());
  std::printf("in room '%s' as %s; type lines, end with Ctrl-D\n", room.c_str(), nick.c_str());
  for (std::string text; std::getline(std::cin, text);)
    for (const auto& m : c.groups().members(group))
      if (m != printer) c.system().send(m, demo::chat_line{room, nick, text, false});
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"chat_room: a chat room over Troupe process groups"};
  demo::cluster_options opts;
  demo::add_cluster_flags(app, opts);
  std::string room = "lobby", nick = "alice";
  bool interactive_mode = false;
  app.add_option("--room", room, "the room (process group chat.<room>)");
  app.add_option("--nick", nick, "your name in the room");
  app.add_flag("--interactive", interactive_mode, "read lines from stdin instead of running the script");
  CLI11_PARSE(app, argc, argv);

  auto joined = demo::cluster::join("chat-room", opts);
  if (!joined) return demo::fail_with(joined.error());
  auto& c = **joined;
  if (interactive_mode) return interactive(c, room, nick);

  auto group = demo::chat_group(room);
  auto members = c.members();
  std::printf("chat room '%s' over process groups, on %zu nodes\n", room.c_str(), members.size());
  scoped_actor me(c.system());
  if (auto r = c.groups().join(group, me.self()); !r) return demo::fail_with(r.error());

  std::set<std::string> bots;
  std::map<std::string, pid> bot_pids;
  for (const auto& node : members) {
    auto bot_nick = "bot@" + node;
    auto p = c.spawn_on(node, "demo.chat_member", spawn_args(std::make_pair(room, bot_nick)));
    if (!p) return demo::fail_with(p.error());
    bots.insert(bot_nick);
    bot_pids[bot_nick] = *p;
  }
  if (!wait_members(c.groups(), group, bots.size() + 1, 5s)) std::printf("  (the room is still filling up)\n");
  print_room(c.groups(), group);

  bool ok = say_and_hear(c, *me, room, nick, "hello, everyone", bots);

  // One bot goes away: its node's groups server sees the process die and tells every replica.
  auto gone = *bots.rbegin();
  std::printf("\n%s leaves (its process is killed)\n", gone.c_str());
  c.system().exit(bot_pids[gone], exit_reason::kill());
  bots.erase(gone);
  ok = wait_members(c.groups(), group, bots.size() + 1, 5s) && ok;
  print_room(c.groups(), group);
  ok = say_and_hear(c, *me, room, nick, "who is still here?", bots) && ok;
  for (const auto& [bot, p] : bot_pids) c.system().exit(p, exit_reason::kill());  // leave the nodes as found
  return ok ? 0 : 1;
}
