#pragma once
/// @file
/// `sim_wire`: the network between the nodes of a deterministic simulation — what the cables,
/// switches and kernels are to the real transport.
///
/// Every node's `simulated_network` is an endpoint in a slot (one per address, kept across
/// restarts). A packet carries what TCP would (which connection, which direction, its position
/// in the stream) and the protocol bytes the real transport would send. Packets between two
/// slots travel in one FIFO queue per direction, each due at a virtual time (base latency plus
/// any fault delay, never overtaking the packet before it). Faults are set per directed link:
/// drop, duplicate, extra delay, cut (every packet dropped: one direction of a partition).
/// A paused receiver leaves its packets queued; a crashed one loses those on their way to it,
/// and what is sent to an address nobody listens at waits until someone does (as ZeroMQ's
/// reconnecting sockets do).
///
/// Nothing here moves by itself: the simulation asks which links have a packet due
/// (`ready_links`) and delivers them one at a time (`deliver_head`), in the order its seeded
/// random stream picks. Single-threaded.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "troupe/node/clock.hpp"
#include "troupe/transport/sim_random.hpp"

namespace troupe::transport {

/// One packet on the simulated wire.
struct sim_packet {
  std::size_t from = 0;  ///< sender's slot
  std::size_t to = 0;    ///< receiver's slot
  /// The client's connection this travels on, and which way: to the server (the ROUTER side)
  /// or back to the client (the DEALER side).
  std::uint64_t session = 0;
  bool to_server = true;
  /// Position in its connection and direction, as TCP sequence numbers: a receiver drops what
  /// it saw already (a duplicate) and breaks the connection on a gap (a loss).
  std::uint64_t seq = 0;
  /// The server ends the connection with this packet (a REJECT): the client reads it whatever
  /// its position, as a TCP reader gets the last bytes before the close.
  bool last = false;
  std::string bytes;  ///< MessagePack frames, as the ZeroMQ transport sends them
  time_point due{};
};

/// What an endpoint of the wire receives.
class sim_endpoint {
 public:
  virtual ~sim_endpoint() = default;
  virtual void receive(const sim_packet& p) = 0;
};

/// Faults on one direction of a link.
struct sim_link_faults {
  bool cut = false;        ///< every packet is lost
  double drop = 0;         ///< probability a packet is lost
  double duplicate = 0;    ///< probability a packet arrives twice
  duration delay{0};       ///< up to this much extra latency per packet
};

class sim_wire {
 public:
  sim_wire(const clock& time, sim_random& random) : time_(time), random_(random) {}

  /// The slot of `address`, created on first use. Stable across restarts of the node there.
  std::size_t slot_of(const std::string& address);
  /// The address of a slot.
  [[nodiscard]] const std::string& address_of(std::size_t slot) const { return slots_.at(slot).address; }
  /// Plugs `ep` into `slot` (null: unplugged, as a crashed node; what is queued to it is lost).
  void attach(std::size_t slot, sim_endpoint* ep);
  /// A paused node receives nothing until resumed; its packets wait on the wire.
  void set_paused(std::size_t slot, bool paused);
  [[nodiscard]] bool paused(std::size_t slot) const { return slots_.at(slot).paused; }
  /// A fresh connection id (unique for the run).
  std::uint64_t new_session() noexcept { return ++sessions_; }

  /// Puts a packet on the wire (subject to the faults of its link).
  void send(sim_packet p);
  /// The links (from, to) whose first packet is due and whose receiver can take it, in order.
  void ready_links(std::vector<std::pair<std::size_t, std::size_t>>& out) const;
  /// Delivers the first packet of a link that `ready_links` named.
  void deliver_head(std::size_t from, std::size_t to);
  /// The earliest time a queued packet falls due, if any.
  [[nodiscard]] std::optional<time_point> next_due() const;

  /// The faults of the direction from -> to (created on first use, none by default).
  sim_link_faults& faults(std::size_t from, std::size_t to) { return faults_[{from, to}]; }
  /// Heals every link.
  void clear_faults() { faults_.clear(); }
  /// Base latency of every packet: uniform in [min, max].
  void set_latency(duration min, duration max) { latency_min_ = min, latency_max_ = max; }

  struct counters {
    std::uint64_t sent = 0, delivered = 0, dropped = 0, duplicated = 0, lost_to_crash = 0;
  };
  [[nodiscard]] const counters& stats() const noexcept { return stats_; }
  /// A hash of every delivery so far (time, link, bytes): equal for two runs of one seed.
  [[nodiscard]] std::uint64_t trace_hash() const noexcept { return hash_; }

 private:
  struct slot {
    std::string address;
    sim_endpoint* endpoint = nullptr;
    bool paused = false;
  };
  void mix(std::uint64_t v) noexcept;

  const clock& time_;
  sim_random& random_;
  std::vector<slot> slots_;
  std::map<std::pair<std::size_t, std::size_t>, std::deque<sim_packet>> links_;
  std::map<std::pair<std::size_t, std::size_t>, sim_link_faults> faults_;
  duration latency_min_ = std::chrono::microseconds(200);
  duration latency_max_ = std::chrono::milliseconds(2);
  std::uint64_t sessions_ = 0;
  counters stats_;
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

}  // namespace troupe::transport
