#pragma once
/// @file
/// `world`: a whole cluster in one process, on one thread, in virtual time.
///
/// Each node is a real `troupe::cluster_node` (membership) with the global registry and the global
/// supervisor, on a stepped executor, over a `simulated_network`; all share one manual clock
/// and one `sim_wire`. The world moves by `step()`: among everything that could happen now —
/// a process turn on some node, a packet due on some link, a node's transport housekeeping — it
/// lets the seeded random stream pick one; when nothing is left at this instant, virtual time
/// moves on by a millisecond and the timers now due fire. So the interleaving is random but a
/// function of the seed alone: a run replays exactly from its seed.
///
/// Faults act on nodes (crash, restart with a new creation, pause, resume) and on links
/// (`wire().faults(a, b)`).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "troupe/cluster/global_supervisor.hpp"
#include "troupe/cluster/cluster_node.hpp"
#include "troupe/registry/global_registry.hpp"
#include "simulation/history.hpp"
#include "troupe/transport/sim_random.hpp"
#include "troupe/transport/sim_wire.hpp"
#include "troupe/transport/simulated_network.hpp"

namespace troupe::sim {

struct world_options {
  std::size_t nodes = 5;
  transport::transport_config net = transport::transport_config::defaults();
  membership_config membership;
  global_supervisor_options supervisor;
  /// Nodes (by index) that use another cookie than `net.cookie`: outsiders the handshake must
  /// keep out (the simulated network runs the real cookie check).
  std::map<std::size_t, std::string> cookie_of;
  /// Nodes (by index) not started with the world: `start(i)` later makes one join, seeded with
  /// the first node only, so the others hear of it by gossip first (as a node added to a
  /// running cluster).
  std::set<std::size_t> late;
};

class world {
 public:
  /// One node slot: the same name and address across incarnations.
  struct member {
    std::string name;
    std::string address;
    std::uint32_t creation = 0;  ///< of the current (or last) incarnation
    bool paused = false;
    std::unique_ptr<cluster_node> n;
    transport::simulated_network* net = nullptr;
    std::unique_ptr<global_registry> names;
    std::unique_ptr<global_supervisor> supervisor;
    [[nodiscard]] bool up() const noexcept { return n != nullptr; }
  };

  world(std::uint64_t seed, world_options options);
  ~world();
  world(const world&) = delete;
  world& operator=(const world&) = delete;

  [[nodiscard]] transport::sim_random& random() noexcept { return random_; }
  [[nodiscard]] transport::sim_wire& wire() noexcept { return wire_; }
  [[nodiscard]] history& log() noexcept { return history_; }
  [[nodiscard]] time_point now() const noexcept { return clock_.now(); }
  [[nodiscard]] duration elapsed() const noexcept { return clock_.now() - start_; }
  [[nodiscard]] std::size_t size() const noexcept { return members_.size(); }
  [[nodiscard]] member& at(std::size_t i) { return members_.at(i); }
  /// Member i's slot on the wire (what `wire().faults(a, b)` takes).
  [[nodiscard]] std::size_t slot(std::size_t i) { return wire_.slot_of(at(i).address); }
  [[nodiscard]] const std::vector<member>& members() const noexcept { return members_; }

  /// Starts node `i` (again): a new incarnation with a new creation, dialling every other node.
  void start(std::size_t i);
  /// Kills node `i` at once: nothing more leaves it, its processes are gone.
  void crash(std::size_t i);
  /// Pauses or resumes node `i` (SIGSTOP / SIGCONT): nothing runs, its packets wait.
  void set_paused(std::size_t i, bool paused);
  /// The member whose current incarnation `p` belongs to and is alive there, or null.
  [[nodiscard]] member* owner_of(const pid& p);
  /// Whether `p` is a live process of a running node.
  [[nodiscard]] bool alive(const pid& p);

  /// Does one thing (a turn, a delivery, a housekeeping), or moves time by 1 ms if nothing is
  /// left to do now. Calls `each_ms` after every move of time.
  void step();
  /// Steps until `d` of virtual time has passed.
  void run_for(duration d);
  /// Called after each millisecond of virtual time (the nemesis and the workload act there).
  std::function<void()> each_ms;

  /// A hash of everything that happened: equal for two runs of one seed.
  [[nodiscard]] std::uint64_t trace_hash() const noexcept { return hash_ ^ wire_.trace_hash(); }
  [[nodiscard]] std::uint64_t steps() const noexcept { return steps_; }

 private:
  struct action {
    enum kind_t : std::uint8_t { turn, deliver, housekeeping } kind;
    std::size_t a = 0, b = 0;
  };
  void tick();
  void mix(std::uint64_t v) noexcept;

  world_options options_;
  manual_clock clock_;
  time_point start_;
  transport::sim_random random_;
  transport::sim_wire wire_;
  history history_;
  std::vector<member> members_;
  std::vector<action> candidates_;
  std::vector<std::pair<std::size_t, std::size_t>> links_;
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
  std::uint64_t steps_ = 0;
};

}  // namespace troupe::sim
