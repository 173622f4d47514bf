#pragma once
/// @file
/// What happens when two processes hold one global name: the rule that picks the winner, and
/// how the loser is told.
///
/// Conflicts arise only between registrations that did not see each other: two nodes
/// registering a name at once, or the two sides of a partition. Registering a name the local
/// replica already knows fails at once (`name_taken`).
///
/// The rule: the entry with the smaller (stamp, node name, creation, serial) wins. It is a total
/// order over values every replica holds identically, so every replica picks the same winner
/// without any further message, whatever order entries arrive in. Why the *older* registration:
/// it is the one clients have had longer to look up and call (OTP global and Horde also keep a
/// single holder; we favour the incumbent). Stamps come from a hybrid logical clock
/// (`global_clock`): wall time, but never behind a stamp the node has already seen. Clock skew
/// therefore only changes *which* side wins (a node whose clock runs behind wins more conflicts);
/// it never makes replicas disagree, since they compare the stamps carried in the entries, never
/// their own clocks.

#include <string>

#include "troupe/node/message_type.hpp"
#include "troupe/node/msgpack_adaptors.hpp"
#include "troupe/node/pid.hpp"
#include "troupe/registry/global_entry.hpp"

namespace troupe {

/// How the registry tells a local process that it lost its name to another.
enum class conflict_policy {
  /// Send it an exit signal with reason `error("name_conflict <name>")` (OTP global's default
  /// resolve function kills one of the two; Horde's `:name_conflict` exit). A process that traps
  /// exits receives it as an `exit_msg`.
  exit,
  /// Send it a `name_conflict{name, winner}` message and let it decide.
  notify,
};

/// Sent to a process that lost `name` to `winner` (with `conflict_policy::notify`).
struct name_conflict {
  std::string name;
  pid winner;
  MSGPACK_DEFINE(name, winner);
};

/// True when `a` wins over `b` under the rule above. Deterministic and antisymmetric for
/// entries with different holders.
[[nodiscard]] bool wins_conflict(const global_entry& a, const global_entry& b) noexcept;

/// The exit reason a losing process gets under `conflict_policy::exit`.
[[nodiscard]] exit_reason name_conflict_reason(const std::string& name);

}  // namespace troupe

TROUPE_MESSAGE(troupe::name_conflict, "troupe.global.name_conflict");
