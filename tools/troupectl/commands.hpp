#pragma once
/// @file
/// troupectl's commands: each asks the admin of one node, then prints a table or JSON.
///
/// Every command returns troupectl's exit status: 0 done, 1 the node answered but the command
/// failed (unknown name, no such process, a message the node cannot decode), 2 troupectl could
/// not talk to the node (no answer, refused cookie, no admin) or was used wrongly.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "tools/troupectl/admin_client.hpp"

namespace troupe::ctl {

inline constexpr int exit_ok = 0, exit_failed = 1, exit_unreachable = 2;

/// What every command gets: a client connected to the node given with --node.
struct context {
  admin_client& client;
  target node;
  bool json = false;
};

/// A message as the user gave it: a JSON value, or a type with JSON args.
struct message_args {
  std::string message;  ///< JSON text; a bare word that is not JSON counts as a string
  std::string type;     ///< set: a typed message built from `args`
  std::string args;     ///< JSON text
};

int members(context& c);
/// The node's event timeline, oldest first: the newest `limit` (0: all it keeps); with
/// `follow`, then every new event as it happens, until interrupted or the node stops answering.
int events(context& c, std::uint32_t limit, bool follow);
/// Removes NODE, a member that is down, from the cluster (admin_down).
int down(context& c, const std::string& node);
int whereis(context& c, const std::string& name);
int names(context& c);
int groups(context& c);
/// `member`: ask that member's admin instead (troupectl connects to it too).
int ps(context& c, const std::string& member);
int info(context& c, const std::string& target);
int send(context& c, const std::string& target, const message_args& m);
int call(context& c, const std::string& target, const message_args& m);
int kill(context& c, const std::string& target, const std::string& reason);
int spawn(context& c, const std::string& type, const std::string& args, const std::string& name);
int register_name(context& c, const std::string& name, const std::string& pid_text);

/// Prints "troupectl: <what>" on stderr and returns `status`.
int report(const std::string& what, int status);

}  // namespace troupe::ctl
