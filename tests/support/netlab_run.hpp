#pragma once
/// @file
/// A netlab run for a C++ test (tools/netlab, docs/netlab.md): N troupe-nodes, each in a
/// network namespace of its own, that iptables can cut apart — a real partition, where the
/// failure detectors on both sides decide, unlike SIGSTOP. The destructor tears the run down,
/// and netlab's watchdog (`--owner`) does so too if the test process dies first.
///
/// The nodes are reachable only from the run's client namespace: a test enters it with
/// `netns_guard` before it starts anything that opens sockets (threads started meanwhile stay
/// in the namespace they were started in).

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace troupe::test {

class netlab_run {
 public:
  /// Why this machine cannot host a run (not root, no `ip`, no namespaces), or empty.
  static std::string environment_problem(const std::string& source_dir) {
    auto [status, out] = capture("python3 -c 'import sys; sys.path.insert(0, \"" + source_dir +
                                 "/tools/netlab\"); import lab; print(lab.environment_problem() or \"\")' 2>&1");
    if (status != 0) return "python3 or tools/netlab/lab.py is missing: " + out;
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
  }

  /// `netlab up N`: builds the network, starts the nodes (troupe-node and troupectl from
  /// `build_dir`) and waits until they all see each other. Null with `error` set on failure.
  static std::unique_ptr<netlab_run> up(const std::string& source_dir, const std::string& build_dir, std::size_t n,
                                        const std::string& profile, const std::string& cookie, std::string& error) {
    auto tool = source_dir + "/tools/netlab/netlab";
    auto [status, out] = capture(tool + " up " + std::to_string(n) + " --build " + build_dir + " --profile " + profile +
                       " --cookie " + cookie + " --owner " + std::to_string(::getpid()) + " 2>&1");
    const std::string marker = "export NETLAB_RUN=";
    auto at = out.find(marker);
    if (status != 0 || at == std::string::npos) {
      error = "netlab up failed (status " + std::to_string(status) + "): " + out;
      return nullptr;
    }
    auto dir = out.substr(at + marker.size());
    dir = dir.substr(0, dir.find('\n'));
    return std::unique_ptr<netlab_run>(new netlab_run(tool, dir, n));
  }

  ~netlab_run() { run("down"); }
  netlab_run(const netlab_run&) = delete;
  netlab_run& operator=(const netlab_run&) = delete;

  /// `netlab partition groups SPEC`, e.g. "1,2/3,4,5" (node numbers from 1).
  bool partition(const std::string& groups) { return run("partition groups " + groups); }
  bool heal() { return run("heal"); }

  /// (name, address) of each node: n1 … nN at tcp://10.77.0.i:7000.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> nodes() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (std::size_t i = 1; i <= n_; ++i)
      out.emplace_back("n" + std::to_string(i), "tcp://10.77.0." + std::to_string(i) + ":7000");
    return out;
  }
  /// The namespace nothing cuts, from which every node is reachable, and its address.
  [[nodiscard]] std::string client_namespace() const { return prefix() + "-c"; }
  [[nodiscard]] static std::string client_listen() { return "tcp://10.77.0.100:*"; }

 private:
  netlab_run(std::string tool, std::string dir, std::size_t n) : tool_(std::move(tool)), dir_(std::move(dir)), n_(n) {}

  [[nodiscard]] std::string prefix() const { return dir_.substr(dir_.find_last_of('/') + 1); }

  bool run(const std::string& args) const {
    return capture(tool_ + " --run " + dir_ + " " + args + " >/dev/null 2>&1").first == 0;
  }

  /// Runs a shell command: its exit status (-1 if it could not run) and its stdout.
  static std::pair<int, std::string> capture(const std::string& command) {
    FILE* p = ::popen(command.c_str(), "r");
    if (!p) return {-1, {}};
    std::string out;
    char buf[512];
    while (auto n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    return {::pclose(p), std::move(out)};
  }

  std::string tool_;
  std::string dir_;
  std::size_t n_;
};

/// Moves the calling thread into a named network namespace (/var/run/netns/NAME) and back when
/// it goes away. Threads started meanwhile stay in the namespace: stop them before this ends.
class netns_guard {
 public:
  explicit netns_guard(const std::string& name) : home_(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) {
    int target = ::open(("/var/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    entered_ = home_ >= 0 && target >= 0 && ::setns(target, CLONE_NEWNET) == 0;
    if (target >= 0) ::close(target);
  }
  ~netns_guard() {
    if (entered_) ::setns(home_, CLONE_NEWNET);
    if (home_ >= 0) ::close(home_);
  }
  netns_guard(const netns_guard&) = delete;
  netns_guard& operator=(const netns_guard&) = delete;

  [[nodiscard]] bool entered() const noexcept { return entered_; }

 private:
  int home_;
  bool entered_ = false;
};

}  // namespace troupe::test
