#pragma once
/// @file
/// `cluster_node`: one Troupe node — the local runtime, its transport, and its system processes
/// (the spawner), wired together. This is what `troupe-node` runs and what a program embeds:
/// ```
/// auto n = troupe::cluster_node::start({.name = "n1", .transport = {.listen = "tcp://127.0.0.1:7101"}});
/// if (!n) die(n.error().message());
/// (*n)->system().spawn<my_actor>();
/// ```

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "troupe/cluster/event_timeline.hpp"
#include "troupe/cluster/membership.hpp"
#include "troupe/node/actor_system.hpp"
#include "troupe/transport/transport.hpp"

namespace troupe {

struct node_config {
  std::string name = "nonode";
  /// 0: chosen at start (a restarted node gets a new one).
  std::uint32_t creation = 0;
  /// Scheduler threads; 0: one per hardware thread.
  std::size_t threads = 0;
  transport::transport_config transport;
  /// Addresses of nodes to connect to at start.
  std::vector<std::string> seeds;
  membership_config membership;
};

/// What a node runs on when not the defaults (a thread pool, the machine's clock, ZeroMQ): how
/// the deterministic simulation builds many nodes in one process (tests/simulation).
struct node_runtime {
  /// Run on a `stepped_executor`: nothing runs until the owner steps `system().stepper()`.
  bool deterministic = false;
  /// With `deterministic`: a virtual clock shared with other nodes (see actor_system_config).
  const clock* shared_clock = nullptr;
  /// Builds the node's network over its runtime; empty: the ZeroMQ transport of
  /// `node_config::transport`.
  std::function<std::unique_ptr<transport::network>(actor_system&)> make_network;
};

class cluster_node {
 public:
  /// Starts the runtime, binds the transport, starts the system processes, dials the seeds.
  static result<std::unique_ptr<cluster_node>> start(node_config config);
  /// Same, on the given runtime (executor, clock, network).
  static result<std::unique_ptr<cluster_node>> start(node_config config, node_runtime runtime);
  /// Stops everything (processes get shutdown, peers get BYE).
  ~cluster_node();
  cluster_node(const cluster_node&) = delete;
  cluster_node& operator=(const cluster_node&) = delete;

  [[nodiscard]] actor_system& system() noexcept { return *system_; }
  /// The ZeroMQ transport, or null when the node runs on another network (a simulation's):
  /// what only ZeroMQ offers (its stats, blocking a peer, link faults) is reached through it.
  [[nodiscard]] transport::transport* zmq_transport() noexcept { return zmq_; }
  /// The ZeroMQ transport of a node started on the default runtime. Calling it on a node built
  /// on another network is a programming error: it says so on stderr and aborts. Code that may
  /// run on either uses `network()`, or `zmq_transport()` and checks for null.
  [[nodiscard]] transport::transport& net();
  /// The network linking this node to its peers, whatever it is.
  [[nodiscard]] transport::network& network() noexcept { return *net_; }
  [[nodiscard]] const std::string& name() const noexcept { return config_.name; }
  [[nodiscard]] std::string address() const { return net_->address(); }
  /// This node's spawner (see node/spawner.hpp).
  [[nodiscard]] pid spawner() const noexcept { return spawner_; }
  /// Who is in the cluster and who is reachable, as this node sees it.
  [[nodiscard]] membership_view& membership() noexcept { return membership_; }
  /// What happened in the cluster as this node saw it (members, global children, quorum).
  [[nodiscard]] event_timeline& events() noexcept { return events_; }
  /// The spawner of a connected peer; null pid if `node_name` is not connected.
  [[nodiscard]] pid spawner_of(std::string_view node_name) const;
  /// Stops the node: processes end with `shutdown`, peers are told BYE. Idempotent.
  void stop();

 private:
  explicit cluster_node(node_config config);

  node_config config_;
  event_timeline events_;  // before system_: its processes write to it until they stop
  std::unique_ptr<actor_system> system_;
  std::unique_ptr<transport::network> net_;
  transport::transport* zmq_ = nullptr;  // net_, when it is the ZeroMQ transport
  pid spawner_;
  membership_view membership_;
  bool stopped_ = false;
};

/// The class's name until 0.2; it read as the `node/` module (the runtime) and its CMake target
/// `troupe::node`. Goes away in 0.3.
using node [[deprecated("troupe::node is now troupe::cluster_node (<troupe/cluster/cluster_node.hpp>)")]] =
    cluster_node;

}  // namespace troupe
