#pragma once
/// @file
/// The command line of every node binary (`troupe-node` and any program on `node_app`): flags,
/// their `TROUPE_*` variables, and the checks that run before anything starts. Internal to app/.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "troupe/cluster/cluster_node.hpp"

namespace troupe::app {

struct node_flags {
  node_config config;
  std::string http;              ///< --http: empty when off
  bool http_admin = false;       ///< --http-admin: the endpoint serves `down` to the cookie's holder
  std::chrono::milliseconds drain_timeout{15000};
  bool rebalance = false;
  bool allow_fault_injection = false;
  std::string log_level = "info";
};

/// What parsing decided: flags to run with, or an exit status (0 after --help or --version,
/// 2 after a usage error; the text is already printed).
struct parse_outcome {
  std::optional<node_flags> flags;
  int exit_status = 0;
};

/// Parses argv and the environment. `program` names the binary in help and version output.
[[nodiscard]] parse_outcome parse_node_flags(std::string_view program, int argc, char** argv);

}  // namespace troupe::app
