#pragma once
/// @file
/// The global supervisor's server process (one per node) and the state it shares with the
/// `global_supervisor` handle. Internal to cluster/; the protocol is in global_supervisor.hpp.

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "cluster/global_supervisor.hpp"
#include "cluster/global_supervisor_messages.hpp"
#include "cluster/member.hpp"
#include "node/actor.hpp"

namespace troupe::gs {

/// What the server publishes for readers on other threads, and the version clock writers share.
struct shared_state {
  mutable std::mutex mutex;
  std::map<std::string, child_record> specs;  ///< guarded by mutex
  std::vector<global_child_info> children;    ///< guarded by mutex
  std::vector<std::pair<std::string, pid>> local;
  std::map<std::string, pid> names;
  std::atomic<std::uint64_t> clock{0};

  /// A version greater than every one seen or issued here. @threadsafe
  std::uint64_t next_version() noexcept;
  /// Moves the clock past `v`. @threadsafe
  void observe(std::uint64_t v) noexcept;
};

/// True when `a` replaces `b` (greater version, then greater origin).
bool newer(const child_record& a, const child_record& b) noexcept;

class server final : public actor {
 public:
  server(node& n, global_supervisor_options options, std::shared_ptr<shared_state> shared);

 protected:
  behavior make_behavior() override;
  void on_exit(const exit_reason& reason) override;

 private:
  /// A child this node runs (or is restarting, or stopping).
  struct local_child {
    pid child;
    ref_id ref = 0;
    bool stopping = false;
    std::uint32_t restarts = 0;
    std::deque<time_point> exits;  ///< within the restart window
    std::int64_t moved_at_ms = 0;
  };

  // Handlers.
  void on_submit(const child_record& r);
  void on_put(const child_record& r);
  void on_sync(const sync& s);
  void on_report(const report& r);
  void on_member(const member_event& e);
  void on_down(const down_msg& d);
  void on_tick();
  void subscribe();
  bool fresh(const std::string& from, std::uint64_t seq);

  // Replication.
  bool merge(const child_record& r);
  void broadcast_record(const child_record& r);
  void broadcast_report(const child_report& r);
  void send_sync(const std::string& to, bool reply);
  [[nodiscard]] std::vector<child_report> own_reports() const;
  [[nodiscard]] child_report report_of(const std::string& id) const;
  void forget_node(const std::string& name, bool lost);

  // Ownership.
  void reconcile();
  [[nodiscard]] bool quorum_ok() const;
  [[nodiscard]] std::vector<std::string> view() const;
  [[nodiscard]] bool may_start(const std::vector<std::string>& members) const;
  [[nodiscard]] std::optional<std::string> owner(const child_record& r, const std::vector<std::string>& members) const;
  [[nodiscard]] bool running_elsewhere(const std::string& id, const std::vector<std::string>& members) const;
  [[nodiscard]] bool held(const child_record& r, const std::vector<std::string>& members) const;

  // Local children.
  void start_local(const child_record& r);
  void stop_local(local_child& c);
  /// `id` by value: the entry it may name is erased here.
  void child_exited(std::string id, local_child& c, const exit_reason& reason);
  void give_up(const std::string& id);
  void remove_spec(const std::string& id);
  void publish();

  node& node_;
  global_supervisor_options options_;
  std::shared_ptr<shared_state> shared_;
  std::string me_;
  duration grace_;
  bool had_quorum_ = true;
  bool subscribed_ = false;
  std::uint64_t seq_ = 0;    ///< counter over the syncs and reports this server sends
  std::uint64_t ticks_ = 0;
  std::map<std::string, std::uint64_t> last_seq_;  ///< per peer: the newest seq applied
  /// After gaining quorum, starts wait until every member not left is synced, or this passes.
  time_point settle_until_{};
  std::map<std::string, child_record> specs_;
  std::map<std::string, std::map<std::string, child_report>> reports_;  ///< node → id → report
  std::map<std::string, local_child> local_;
  std::set<std::string> failed_;
  std::set<std::string> synced_;
  std::set<std::string> up_;     ///< peers up or suspect, as of the member events handled
  std::set<std::string> known_;  ///< every peer an event named
  std::set<std::string> left_;   ///< peers that left
  std::map<std::string, time_point> lost_at_;       ///< nodes lost (down, not left) recently
  std::map<std::string, time_point> hold_until_;    ///< child id → not before
};

}  // namespace troupe::gs
