#pragma once
/// @file
/// `gs::snapshot_store`: the newest snapshot of each global child known on this node, and which
/// successor already has it (see "Snapshots" in docs/global_supervisor.md). It publishes what it
/// holds for `global_supervisor::snapshot`; the server decides where each goes. Owning server only.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "troupe/cluster/global_supervisor_messages.hpp"
#include "troupe/cluster/global_supervisor_shared.hpp"

namespace troupe::gs {

class snapshot_store {
 public:
  explicit snapshot_store(shared_state& shared) : shared_(shared) {}

  /// A child of this node saved `state`: it is the newest, and no successor has it yet.
  void save(const std::string& id, std::vector<char> state);
  /// A snapshot from the owner of `s.id`; kept if newer than the one held. True if kept.
  bool receive(const snapshot_put& s);
  /// The child's spec was removed: its snapshot goes too.
  void erase(const std::string& id);
  /// The state held for `id`; null if none.
  [[nodiscard]] const std::vector<char>* state_of(const std::string& id) const;
  /// The snapshot of `id` to send to `successor`, unless it was sent there already (it is now
  /// marked sent).
  std::optional<snapshot_put> for_successor(const std::string& id, const std::string& successor);

 private:
  struct snapshot {
    std::uint64_t version = 0;
    std::vector<char> state;
    std::string sent_to;  ///< the successor that has this version (own children only)
  };
  /// Publishes (or with null, withdraws) the snapshot of `id`.
  void share(const std::string& id, const std::vector<char>* state);

  shared_state& shared_;
  std::map<std::string, snapshot> snapshots_;
};

}  // namespace troupe::gs
