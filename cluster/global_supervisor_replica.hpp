#pragma once
/// @file
/// `gs::spec_replica`: this node's replica of the global children's specs and of what every
/// peer reports running (see "Replication" in docs/global_supervisor.md). Pure: the server
/// applies puts, syncs and reports to it and does the sending. Owning server only.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "troupe/cluster/global_supervisor_messages.hpp"

namespace troupe::gs {

/// True when `a` replaces `b` (greater version, then greater origin).
[[nodiscard]] bool newer(const child_record& a, const child_record& b) noexcept;

class spec_replica {
 public:
  /// Keeps `r` if it is newer than the record held for its id; true if it was.
  bool merge(const child_record& r);
  [[nodiscard]] const std::map<std::string, child_record>& specs() const noexcept { return specs_; }
  /// The record of `id`, removed or not; null if none.
  [[nodiscard]] const child_record* find(const std::string& id) const;

  /// Whether a sync or report from `from` is newer than all seen from it (and notes it): an
  /// older one (a copy that took another path, or a periodic sync overtaken by a report) must
  /// not undo a newer one.
  bool fresh(const std::string& from, std::uint64_t seq);
  /// `from`'s sync: its reports replace all held from it.
  void replace_reports(const std::string& from, const std::vector<child_report>& reports);
  /// `from`'s report of one child; neither running nor failed withdraws it.
  void apply_report(const std::string& from, const child_report& r);
  /// Forgets what `node` reported and its sequence (its next incarnation counts from zero).
  /// Returns the ids it reported running.
  std::vector<std::string> forget(const std::string& node);

  /// Some member of `members` other than `me` reports running `id`.
  [[nodiscard]] bool running_elsewhere(const std::string& id, const std::vector<std::string>& members,
                                       const std::string& me) const;
  /// `node` reports running `id`.
  [[nodiscard]] bool runs(const std::string& node, const std::string& id) const;
  /// What the peers in `nodes` say of `id`: a running copy first; `where` is its node.
  [[nodiscard]] child_report best_report(const std::string& id, const std::set<std::string>& nodes,
                                         std::string& where) const;

 private:
  std::map<std::string, child_record> specs_;
  std::map<std::string, std::map<std::string, child_report>> reports_;  ///< node → id → report
  std::map<std::string, std::uint64_t> last_seq_;  ///< per peer: the newest seq applied
};

}  // namespace troupe::gs
