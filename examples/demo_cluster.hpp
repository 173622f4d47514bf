#pragma once
/// @file
/// `demo_cluster`: how each demo joins a running Troupe cluster — as a *hidden* node (its name
/// starts with '~', so the members never list it and the global supervisor never places a child
/// on it) that still has a replica of the global names and of the process groups.
///
/// ```
/// demo::cluster_options opts;
/// CLI::App app;
/// demo::add_cluster_flags(app, opts);        // --nodes --cookie --cookie-file --listen --advertise --verbose
/// CLI11_PARSE(app, argc, argv);
/// auto c = demo::cluster::join("ping-pong", opts);
/// if (!c) return demo::fail_with(c.error());
/// (*c)->members();                            // names of the nodes reached, sorted
/// ```
/// The same binary runs against local processes (`--nodes tcp://127.0.0.1:7101,...`) and inside
/// docker compose (`TROUPE_NODES=tcp://10.77.7.11:7100,...`, `TROUPE_DEMO_LISTEN=tcp://0.0.0.0:7200`,
/// `TROUPE_DEMO_ADVERTISE=tcp://10.77.7.23:7200`; docs/docker.md says why addresses, not names).

#include <CLI/CLI.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "troupe/cluster/cluster_node.hpp"
#include "troupe/node/call.hpp"
#include "troupe/node/scoped_actor.hpp"
#include "troupe/node/spawner.hpp"
#include "troupe/registry/global_registry.hpp"
#include "troupe/registry/process_groups.hpp"

namespace troupe::demo {

struct cluster_options {
  /// Addresses of the cluster's nodes (every one the demo should reach).
  std::vector<std::string> nodes;
  std::string cookie = "troupe";
  std::string cookie_file;
  /// Where the nodes reach the demo back; must be reachable from them.
  std::string listen = "tcp://127.0.0.1:*";
  std::string advertise;
  /// Log the hidden node's transport and membership (stderr); off: errors only.
  bool verbose = false;
  /// How long to wait for every node to answer.
  std::chrono::milliseconds connect_timeout{10000};
};

/// Adds the flags every demo takes (each with a TROUPE_* environment variable).
void add_cluster_flags(CLI::App& app, cluster_options& opts);

/// A demo's hidden node, connected to every node of the cluster.
class cluster {
 public:
  /// Starts a hidden node named `~<program>-<pid>`, connects to every node in `opts.nodes`, and
  /// waits until each one answers (so replies can reach us), then starts the name and group
  /// replicas. Errors say which node did not answer.
  static result<std::unique_ptr<cluster>> join(const std::string& program, cluster_options opts);
  ~cluster();
  cluster(const cluster&) = delete;
  cluster& operator=(const cluster&) = delete;

  [[nodiscard]] actor_system& system() noexcept { return node_->system(); }
  [[nodiscard]] global_registry& names() noexcept { return *names_; }
  [[nodiscard]] process_groups& groups() noexcept { return *groups_; }
  /// The nodes this demo reaches now (up), sorted; never the hidden node itself.
  [[nodiscard]] std::vector<std::string> members() const;
  /// The node at `address`, as it named itself in the handshake; empty if not connected.
  [[nodiscard]] std::string name_at(const std::string& address) const;

  /// Spawns `type` on `node` through its spawner (remote spawn by type name); `node` may be
  /// this demo's own node (`system().node_name()`).
  result<pid> spawn_on(const std::string& node, const std::string& type, std::vector<char> args = {});

  /// Calls the process registered locally as `name` on `node` (e.g. "troupe.admin").
  template <message Resp, message Req>
  result<Resp> call_named(const std::string& node, const std::string& name, Req req,
                          duration timeout = std::chrono::seconds(3)) {
    auto e = call_named_raw(node, name, make_envelope<Req>(pid{}, std::move(req)), timeout);
    if (!e) return std::unexpected(e.error());
    if (!holds<Resp>(**e)) return fail(errc::codec, "'" + name + "' answered with '" + std::string((*e)->type->name) + "'");
    return std::move(payload<Resp>(**e));
  }

 private:
  cluster() = default;
  result<void> connect_all();
  result<void> wait_answers(const std::string& node, std::chrono::steady_clock::time_point deadline);
  result<envelope_ptr> call_named_raw(const std::string& node, const std::string& name, envelope_ptr req,
                                      duration timeout);

  cluster_options opts_;
  std::unique_ptr<cluster_node> node_;
  std::unique_ptr<scoped_actor> self_;
  std::unique_ptr<global_registry> names_;
  std::unique_ptr<process_groups> groups_;
};

/// Prints `e` for people on stderr and returns the exit status for "could not run".
int fail_with(const error& e);

/// Milliseconds between two steady-clock instants, for printing.
inline double ms_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace troupe::demo
