#pragma once
/// @file
/// `link_faults`: delay, jitter and loss on the links from this node to its peers, for tests and
/// for netlab where the kernel has no `tc netem` (docs/netlab.md). Off unless someone sets a
/// fault: troupe-node accepts settings only when started with `--allow-fault-injection`.
///
/// The fault applies to what this node *sends* to a peer, after batching, so it behaves like a
/// slow or lossy TCP path, not like a lossy datagram network:
/// - every batch leaves `delay` (± up to `jitter`) after it was queued;
/// - a batch "lost" (probability `loss`) is sent again after a retransmission timeout (200 ms,
///   doubling on each further loss), and the batches behind it wait for it, as TCP's in-order
///   delivery makes them wait;
/// - nothing is dropped and order is kept: a link never delivers a batch before an earlier one.
/// Heartbeats are not delayed (they do not go through the batches), so a delay alone does not
/// make the failure detector fire; a cut is `transport::set_blocked` or netlab's iptables rules.
///
/// Threading: `set`, `clear` and `active` are @threadsafe; `hold`, `release_due`, `next_due` and
/// `drop` are for the I/O thread.

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "troupe/transport/outbound_buffer.hpp"

namespace troupe::transport {

/// What happens on the link to one peer. All zero: a healthy link.
struct link_fault {
  std::chrono::milliseconds delay{0};
  std::chrono::milliseconds jitter{0};
  double loss = 0.0;  ///< probability that a batch needs a retransmission, in [0, 1)
  [[nodiscard]] bool healthy() const noexcept { return delay.count() <= 0 && jitter.count() <= 0 && loss <= 0.0; }
};

class link_faults {
 public:
  using clock = std::chrono::steady_clock;
  /// First retransmission timeout of a "lost" batch (Linux's TCP minimum RTO is 200 ms).
  static constexpr std::chrono::milliseconds retransmission_timeout{200};

  /// Sets the fault on the link to `peer`; "*" sets it for every peer without one of its own,
  /// except hidden nodes (names starting with '~', e.g. troupectl), so the tools that set and
  /// clear faults are not slowed by them.
  /// A healthy fault removes the setting. Loss is clamped to [0, 0.95]. @threadsafe
  void set(const std::string& peer, link_fault fault);
  /// Removes every setting; batches already held still leave at their time. @threadsafe
  void clear();
  /// Whether any link has a fault or any batch is held. Cheap. @threadsafe
  [[nodiscard]] bool active() const noexcept { return active_.load(std::memory_order_acquire); }
  /// The fault on the link to `peer`, if any. @threadsafe
  [[nodiscard]] std::optional<link_fault> fault_for(const std::string& peer) const;
  /// Every setting, by peer ("*" for the default). @threadsafe
  [[nodiscard]] std::map<std::string, link_fault> settings() const;

  /// Queues batches just taken for `peer`; each gets the moment it may leave.
  void hold(const std::string& peer, std::vector<batch>& batches, clock::time_point now);
  /// Moves the batches for `peer` whose moment has come, in order, to the back of `out`.
  template <class Container>
  void release_due(const std::string& peer, clock::time_point now, Container& out);
  /// The earliest moment a held batch may leave, if any is held.
  [[nodiscard]] std::optional<clock::time_point> next_due() const;
  /// Forgets the batches held for `peer` (its session ended; they belong to it). Returns the
  /// number of messages and bytes they held, for the caller's accounting.
  std::pair<std::size_t, std::size_t> drop(const std::string& peer);

 private:
  struct held {
    batch b;
    clock::time_point due;
  };
  void refresh_active();
  clock::time_point due_time(const link_fault& f, clock::time_point now, clock::time_point after);

  mutable std::mutex mutex_;
  std::map<std::string, link_fault> settings_;
  std::map<std::string, std::deque<held>> lines_;
  std::mt19937_64 random_{std::random_device{}()};
  std::atomic<bool> active_{false};
};

template <class Container>
void link_faults::release_due(const std::string& peer, clock::time_point now, Container& out) {
  std::lock_guard lock(mutex_);
  auto it = lines_.find(peer);
  if (it == lines_.end()) return;
  while (!it->second.empty() && it->second.front().due <= now) {
    out.push_back(std::move(it->second.front().b));
    it->second.pop_front();
  }
  if (it->second.empty()) lines_.erase(it);
  refresh_active();
}

}  // namespace troupe::transport
