#pragma once
/// @file
/// `gs::child_runner`: the global children this node runs — spawned from the actor factory,
/// monitored, restarted by the local supervisor's rules (node/behaviour/restart_intensity.hpp),
/// given up on past the restart intensity, named and unnamed — and what this node reports of
/// them. It acts through the server's process; the server decides what runs here and tells
/// the peers (see "Restarts" in docs/global_supervisor.md). Owning server only.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "troupe/cluster/global_supervisor.hpp"
#include "troupe/cluster/global_supervisor_messages.hpp"
#include "troupe/cluster/global_supervisor_replica.hpp"
#include "troupe/node/actor.hpp"
#include "troupe/node/behaviour/restart_intensity.hpp"

namespace troupe::gs {

/// A child this node runs (or is restarting, or stopping).
struct local_child {
  pid child;
  ref_id ref = 0;
  bool stopping = false;
  std::uint32_t restarts = 0;
  restart_intensity exits;  ///< within the restart window
  std::int64_t moved_at_ms = 0;
  /// Its global name is registered to it. A handoff may find the name still held by the copy
  /// that just stopped elsewhere (its release is in flight): the tick tries again.
  bool named = false;
};

/// What a child's exit leads to.
enum class exit_outcome {
  stopped,   ///< stopped on purpose (or its spec is gone): report it stopped
  finished,  ///< its restart type does not restart it: remove its spec
  restart,   ///< start it again (the entry is kept: restarts and moved_at carry over)
  gave_up,   ///< past the restart intensity: failed here
};

/// What became of a start.
enum class start_outcome {
  started,
  unbuildable,  ///< the actor factory cannot build it (unknown type, bad arguments)
  not_spawned,  ///< the node is shutting down
};

class child_runner {
 public:
  /// `self`: the server process, which spawns and monitors the children.
  child_runner(actor& self, const global_supervisor_options& options, const spec_replica& specs)
      : self_(self), options_(options), specs_(specs) {}

  [[nodiscard]] const std::map<std::string, local_child>& local() const noexcept { return local_; }
  [[nodiscard]] bool runs(const std::string& id) const { return local_.contains(id); }
  [[nodiscard]] bool failed(const std::string& id) const { return failed_.contains(id); }

  /// Starts `r` here (`restore`: its snapshot, its first message). One that cannot be built is
  /// not failed yet: the caller gives up on it.
  start_outcome start(const child_record& r, const std::vector<char>* restore, std::int64_t now_ms);
  /// Asks the child to stop (exit shutdown); its DOWN ends it.
  void stop(const std::string& id);
  /// Stops every child not stopping already.
  void stop_all();
  /// The server ends: its children end with it.
  void shutdown_all();
  /// Registers the child's global name, unless it has it (`retry`: from the tick).
  void register_name(const std::string& id, bool retry);
  /// Retries the names still held by a stopped copy elsewhere.
  void register_names();
  /// The child with monitor `ref` exited: unregisters its name and says what follows.
  std::optional<std::pair<std::string, exit_outcome>> exited(ref_id ref, const exit_reason& reason, time_point now);
  /// The child with pid `p`, if it is one of this node's.
  [[nodiscard]] std::optional<std::string> id_of(const pid& p) const;

  /// Marks `id` failed here (past its intensity, or it cannot be built).
  void give_up(const std::string& id);
  /// Forgets that `id` failed (a new version of its spec, or no longer ours); true if it had.
  bool forgive(const std::string& id) { return failed_.erase(id) > 0; }

  /// What this node says of `id`.
  [[nodiscard]] child_report report_of(const std::string& id) const;
  /// Its reports of every child it runs or gave up on.
  [[nodiscard]] std::vector<child_report> reports() const;

 private:
  actor& self_;
  const global_supervisor_options& options_;
  const spec_replica& specs_;
  std::map<std::string, local_child> local_;
  std::set<std::string> failed_;
};

}  // namespace troupe::gs
