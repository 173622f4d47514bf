#pragma once
/// @file
/// `registry_server`: the process behind a local Registry that makes entries of dead processes
/// vanish.
///
/// Protocol: after a write that gives a pid its first entry, or takes its last one away, the
/// `registry_table` sends the server `registry_watch{pid}`. The server then reconciles: it
/// monitors a pid that holds entries and is not yet monitored, and demonitors one that holds
/// none. Reconciling reads the table's current state rather than trusting the message, so watch
/// messages from different writers may arrive in any order: the last one handled always sees the
/// last write. When a monitored pid's DOWN arrives, the server removes all its entries. A pid
/// that dies before the server monitors it gets a DOWN(noproc) at once, so nothing leaks.
///
/// Entries therefore vanish shortly after their process dies (once this server has handled the
/// DOWN), not at the instant of death; a unique key held by a process that is already dead is
/// free to take even before then (see `registry_table::insert`).

#include <memory>
#include <unordered_map>

#include "troupe/node/actor.hpp"
#include "troupe/node/message_type.hpp"
#include "troupe/node/system_messages.hpp"
#include "troupe/registry/registry_table.hpp"

namespace troupe::detail {
/// `who` gained its first or lost its last entry; the server re-checks whether to monitor it.
struct registry_watch {
  pid who;
};
}  // namespace troupe::detail

TROUPE_LOCAL_MESSAGE(troupe::detail::registry_watch, "troupe.registry.watch");

namespace troupe {

class registry_server final : public actor {
 public:
  explicit registry_server(std::shared_ptr<registry_table> table) : table_(std::move(table)) {}

 protected:
  behavior make_behavior() override;
  /// Tells the table, which may outlive the node, to stop using it.
  void on_exit(const exit_reason& reason) override;

 private:
  void reconcile(const pid& who);
  void on_down(const down_msg& d);

  std::shared_ptr<registry_table> table_;
  /// @note Owning actor only.
  std::unordered_map<pid, ref_id> monitors_;
};

}  // namespace troupe
