#pragma once
/// @file
/// A troupe-node (or any node_app binary) started as a separate process for a test: its name,
/// the address from its ready line, and with `--http` the management endpoint's port from its
/// http line. The process is killed and reaped when the object goes (child_process), so a
/// failing test leaves nothing behind. Shared by the troupectl, management and live page suites.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/child_process.hpp"

namespace troupe::test {

struct node_process_options {
  std::string cookie;
  std::string seeds;                         ///< --seeds; empty: none
  std::string listen = "tcp://127.0.0.1:*";  ///< a fixed address restarts a node where it was
  std::string threads = "2";
  std::string log_level = "warn";
  bool http = false;                         ///< --http 127.0.0.1:0, and read the port it got
  std::vector<std::string> extra;            ///< more flags
};

struct node_process {
  std::string name, address;
  std::uint16_t http_port = 0;
  std::unique_ptr<child_process> proc;
  /// Why the start failed (no ready or http line in time); empty when it started.
  std::string error;

  [[nodiscard]] bool started() const noexcept { return error.empty() && !address.empty(); }
};

/// Starts `binary` as node `name` and waits for its ready line (and http line); see `error`.
inline node_process start_node_process(const std::string& binary, const std::string& name,
                                       const node_process_options& o) {
  using namespace std::chrono_literals;
  std::vector<std::string> argv{binary, "--name", name, "--listen", o.listen, "--cookie", o.cookie,
                                "--threads", o.threads, "--log-level", o.log_level};
  if (!o.seeds.empty()) argv.insert(argv.end(), {"--seeds", o.seeds});
  if (o.http) argv.insert(argv.end(), {"--http", "127.0.0.1:0"});
  argv.insert(argv.end(), o.extra.begin(), o.extra.end());
  node_process n{name, {}, 0, std::make_unique<child_process>(argv), {}};
  auto ready = n.proc->read_line(10s);
  const auto at = ready ? ready->find(" ready on ") : std::string::npos;
  if (at == std::string::npos) {
    n.error = name + " did not say it was ready: " + (ready ? *ready : "(nothing in 10 s)");
    return n;
  }
  n.address = ready->substr(at + 10, ready->find(' ', at + 10) - at - 10);
  if (!o.http) return n;
  auto http = n.proc->read_line(5s);
  if (!http || http->find(" http on http://") == std::string::npos) {
    n.error = name + " did not say where it serves http: " + (http ? *http : "(nothing in 5 s)");
    return n;
  }
  n.http_port = static_cast<std::uint16_t>(std::stoi(http->substr(http->rfind(':') + 1)));
  return n;
}

}  // namespace troupe::test
