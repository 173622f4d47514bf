#pragma once
/// @file
/// Snapshots: how a child of the global supervisor keeps its state when it moves to another node.
///
/// A child that wants to survive a move saves its state — any bytes, MessagePack by convention —
/// whenever it changes (or on a timer of its own):
/// ```
/// [this](const counter_inc& m) {
///   n_ += m.by;
///   troupe::save_global_snapshot(*this, troupe::spawn_args(n_));
///   return counter_value{n_};
/// },
/// [this](const troupe::global_restore& r) {
///   n_ = msgpack::unpack(r.state.data(), r.state.size()).get().as<std::int64_t>();
/// },
/// ```
/// Its node's global supervisor keeps the newest snapshot and sends it at once to the member
/// that would own the child next: the rendezvous owner among the other members of the view,
/// which is exactly the node that takes the child over if this one is lost or drained (as long
/// as membership does not change in between; on every membership change the owner re-sends it
/// to the new successor). When the child starts on a node that holds a snapshot for it — after
/// a failover, a drain, a rebalance, or a restart on the same node — its FIRST message is
/// `global_restore`, before any other process can know its pid.
///
/// Staleness bound: a restored child has every change saved before the last snapshot that
/// reached the successor. What is lost is what was saved during the last one-way delivery time
/// before the owner died (a message in flight, ~0.1–1 ms on a LAN), plus anything the child
/// changed without saving. If the owner and its successor die together, the child restarts
/// from its spec's arguments. A graceful drain loses nothing: the child's saves reach the
/// successor before the stop report that lets the successor start it (one ordered channel).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "troupe/node/actor.hpp"
#include "troupe/node/message_type.hpp"
#include "troupe/node/msgpack_adaptors.hpp"

namespace troupe {

/// Child → its node's global supervisor server: "this is my state now".
struct global_snapshot {
  std::vector<char> state;
};

/// Server → a child it starts, as its first message, when it holds a snapshot for it.
struct global_restore {
  std::string id;            ///< the child's id in the global supervisor
  std::vector<char> state;   ///< what the child last saved
};

/// Saves `state` as the snapshot of the global child `self` (call it from the child's own
/// handlers). A process that is not a global child of this node is ignored by the server.
void save_global_snapshot(actor& self, std::vector<char> state,
                          std::string_view server_name = "troupe.global_supervisor");

/// A digest of a snapshot's bytes (FNV-1a, 64 bits), shown by `troupectl children`: the same
/// digest on the owner and on its successor means the newest state has been replicated.
[[nodiscard]] constexpr std::uint64_t snapshot_digest(std::span<const char> bytes) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  for (char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

}  // namespace troupe

TROUPE_LOCAL_MESSAGE(troupe::global_snapshot, "troupe.global_supervisor.save_snapshot");
TROUPE_LOCAL_MESSAGE(troupe::global_restore, "troupe.global_supervisor.restore");
