#pragma once
/// @file
/// `event_timeline`: what happened in the cluster, as one node saw it — members coming up,
/// going down, removed; global children started, moved (from → to), restarted, failed,
/// waiting; quorum lost and regained. Each entry has a UTC time and a sequence number.
///
/// Every node keeps its own (the node owns it, `cluster_node::events()`): the membership process and
/// the global supervisor write to it, the admin process reads it for `troupectl events`, the
/// management endpoint's /events and the live page's timeline. It is bounded (the oldest
/// entries go first) and cheap: an event is a few short strings under a mutex, and events are
/// rare next to messages (state changes, not traffic).

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace troupe {

struct cluster_event {
  std::uint64_t seq = 0;     ///< 1, 2, 3, ... on this node; a reader asks for what came after one
  std::int64_t unix_ms = 0;  ///< when this node saw it (UTC, milliseconds since the epoch)
  /// What happened: member.joining, member.up, member.suspect, member.down, member.left,
  /// member.removed, child.started, child.moved, child.restarted, child.stopped, child.failed,
  /// child.waiting, child.removed, quorum.lost, quorum.regained.
  std::string kind;
  std::string subject;  ///< the member or child id it is about (empty for quorum)
  std::string from;     ///< the node it was on or came from, when that means something
  std::string to;       ///< the node it is on now, when that means something
  std::string detail;   ///< anything else, for people (a reason, a count)
};

class event_timeline {
 public:
  /// Keeps the newest `capacity` events.
  explicit event_timeline(std::size_t capacity = 1000);

  /// Appends an event stamped with the wall clock now; returns its sequence number. @threadsafe
  std::uint64_t record(std::string kind, std::string subject, std::string from = {}, std::string to = {},
                       std::string detail = {});

  /// The events after sequence number `after` (0: all kept), oldest first, at most `limit`
  /// of the newest. @threadsafe
  [[nodiscard]] std::vector<cluster_event> since(std::uint64_t after = 0, std::size_t limit = SIZE_MAX) const;

  /// The sequence number of the newest event (0: none yet). @threadsafe
  [[nodiscard]] std::uint64_t last_seq() const;

 private:
  mutable std::mutex mutex_;
  std::deque<cluster_event> events_;
  std::size_t capacity_;
  std::uint64_t next_seq_ = 1;
};

}  // namespace troupe
