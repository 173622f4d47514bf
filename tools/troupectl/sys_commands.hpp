#pragma once
/// @file
/// `troupectl sys ...`: debugging a live process from the command line (node/sys.hpp).
///
///   troupectl sys state PID|NAME                  the state, as JSON
///   troupectl sys replace-state PID|NAME JSON     replace it; prints the new state
///   troupectl sys suspend PID|NAME                its messages wait, in order
///   troupectl sys resume PID|NAME                 ... and are handled now
///   troupectl sys stats PID|NAME                  received, handled, sent, high water...
///   troupectl sys trace on PID|NAME [--capacity N] [--log]
///   troupectl sys trace off PID|NAME
///   troupectl sys trace show PID|NAME [--clear]
///
/// Each is a call of a sys request through the node's admin process (its generic `call`), so the
/// target may be a pid of any member or a name the node knows; no admin support is needed.

#include <CLI/CLI.hpp>
#include <functional>
#include <map>

#include "tools/troupectl/commands.hpp"

namespace troupe::ctl {

/// Declares the `sys` command and its subcommands on `app`; `json` is troupectl's --json flag,
/// which each subcommand also accepts. Adds to `run` the function that runs the one given.
void add_sys_commands(CLI::App& app, bool& json, std::map<CLI::App*, std::function<int(context&)>>& run);

}  // namespace troupe::ctl
