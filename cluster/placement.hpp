#pragma once
/// @file
/// Where a global child runs: a `placement_strategy` picks one owner among the members that are
/// up. The default is rendezvous (highest-random-weight) hashing: every member scores
/// `hash(child id, member name)` and the highest score wins. Every node computes the same owner
/// from the same member set without talking to anyone, and when a member joins or leaves only
/// the children it wins (or held) move — about 1/N of them — unlike `hash mod N`.
///
/// A child may name preferred nodes: the owner is then chosen by the same hashing among the
/// preferred nodes that are up, and among all members only if none is (or never, if pinned).

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace troupe {

/// What a strategy knows of the child it places.
struct placement_request {
  std::string_view child_id;
  /// Nodes to run on when one of them is up; empty: any member.
  std::span<const std::string> preferred;
  /// With `preferred`: never run elsewhere (no owner while none of them is up).
  bool pinned = false;
};

/// Chooses the owner of a child. Implementations must be deterministic functions of their
/// arguments: every node runs them independently and must agree. @threadsafe
class placement_strategy {
 public:
  virtual ~placement_strategy() = default;
  /// The member of `members` (sorted, unique) that should run the child; none if no member fits.
  [[nodiscard]] virtual std::optional<std::string> owner(const placement_request& child,
                                                         std::span<const std::string> members) const = 0;
};

/// Rendezvous hashing over the members, honouring preferred/pinned nodes.
class rendezvous_placement final : public placement_strategy {
 public:
  [[nodiscard]] std::optional<std::string> owner(const placement_request& child,
                                                 std::span<const std::string> members) const override;
};

/// The score of `member` for `child_id`: a stable 64-bit hash (FNV-1a, then a SplitMix64
/// finaliser), identical on every node and build — never std::hash, which may differ.
[[nodiscard]] std::uint64_t rendezvous_weight(std::string_view child_id, std::string_view member) noexcept;

/// The default strategy (shared, stateless).
[[nodiscard]] std::shared_ptr<const placement_strategy> uniform_placement();

}  // namespace troupe
