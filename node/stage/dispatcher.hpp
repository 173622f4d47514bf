#pragma once
/// @file
/// `dispatcher<T>`: the producer side of every subscription of one stage — each consumer's
/// outstanding demand, the events waiting for demand, and how events are shared out (GenStage
/// dispatchers):
/// - demand (default): each event goes to one consumer, the one with the most demand;
/// - broadcast: every event goes to every consumer, so only the smallest demand is served;
/// - partition: `partition_of(event)` picks the one consumer subscribed to that partition.
///
/// The rule it keeps: a consumer never receives more events than it asked for. Events the
/// demand does not cover wait in the buffer; past `buffer_size` the oldest are dropped and
/// counted (GenStage's buffer_keep: :last).
///
/// Threading: owned by its stage process.

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <optional>
#include <vector>

#include "troupe/node/actor.hpp"
#include "troupe/node/stage/stage_messages.hpp"

namespace troupe {

enum class dispatch_kind { demand, broadcast, partition };

template <class T>
struct dispatcher_options {
  dispatch_kind kind = dispatch_kind::demand;
  /// For the partition dispatcher: the number of partitions and the event → partition map.
  std::uint32_t partitions = 1;
  std::function<std::uint32_t(const T&)> partition_of;
  /// Events kept while no demand covers them.
  std::size_t buffer_size = 10'000;
};

template <class T>
class dispatcher {
 public:
  explicit dispatcher(dispatcher_options<T> o) : opts_(std::move(o)), buffers_(buffer_count()) {}

  void subscribe(const pid& consumer, std::uint64_t ref, std::uint32_t partition, ref_id monitor) {
    subs_.push_back({consumer, ref, 0, partition % std::max<std::uint32_t>(opts_.partitions, 1), monitor});
  }
  /// Removes a subscription; returns its monitor ref (0 if unknown).
  ref_id cancel(const pid& consumer, std::uint64_t ref) {
    auto it = std::find_if(subs_.begin(), subs_.end(), [&](auto& s) { return s.consumer == consumer && s.ref == ref; });
    if (it == subs_.end()) return 0;
    ref_id m = it->monitor;
    subs_.erase(it);
    return m;
  }
  /// The subscription watched by monitor `m`, removed (for a DOWN).
  bool cancel_monitor(ref_id m) {
    return std::erase_if(subs_, [&](auto& s) { return s.monitor == m; }) > 0;
  }
  /// Adds demand and serves it from the buffer; returns how many new events the source should
  /// produce (demand not covered by the buffer nor by earlier requests to the source).
  std::uint64_t ask(actor& self, const pid& consumer, std::uint64_t ref, std::uint64_t n) {
    for (auto& s : subs_)
      if (s.consumer == consumer && s.ref == ref) s.demand += n;
    flush(self);
    return top_up();
  }
  /// Demand neither the buffer nor earlier requests cover, now counted as requested.
  std::uint64_t top_up() {
    std::uint64_t wanted = open_demand();
    std::uint64_t more = wanted > requested_ ? wanted - requested_ : 0;
    requested_ += more;
    return more;
  }
  /// Hands events from the source out as demand allows; buffers the rest. `credit` is how much
  /// of the requested demand they settle (by default one per event; a filtering stage settles
  /// one per event it consumed).
  void dispatch(actor& self, std::vector<T> events, std::optional<std::uint64_t> credit = {}) {
    requested_ -= std::min<std::uint64_t>(requested_, credit.value_or(events.size()));
    for (auto& e : events) buffers_[buffer_of(e)].push_back(std::move(e));
    flush(self);
    trim();
  }

  [[nodiscard]] std::size_t buffered() const noexcept {
    std::size_t n = 0;
    for (auto& b : buffers_) n += b.size();
    return n;
  }
  [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_; }
  [[nodiscard]] std::size_t subscribers() const noexcept { return subs_.size(); }
  /// Events sent so far (for tests and metrics).
  [[nodiscard]] std::uint64_t sent() const noexcept { return sent_; }

 private:
  struct sub {
    pid consumer;
    std::uint64_t ref;
    std::uint64_t demand;
    std::uint32_t partition;
    ref_id monitor;
  };

  std::size_t buffer_count() const { return opts_.kind == dispatch_kind::partition ? std::max<std::uint32_t>(opts_.partitions, 1) : 1; }
  std::size_t buffer_of(const T& e) const {
    if (opts_.kind != dispatch_kind::partition || !opts_.partition_of) return 0;
    return opts_.partition_of(e) % buffers_.size();
  }
  /// Demand the buffer cannot meet: what the source should still make.
  std::uint64_t open_demand() const {
    if (subs_.empty()) return 0;
    if (opts_.kind == dispatch_kind::broadcast) {
      std::uint64_t m = std::numeric_limits<std::uint64_t>::max();
      for (auto& s : subs_) m = std::min(m, s.demand);
      return m;
    }
    std::uint64_t total = 0;
    for (auto& s : subs_) total += s.demand;
    return total;
  }
  void flush(actor& self) {
    switch (opts_.kind) {
      case dispatch_kind::demand: return flush_demand(self);
      case dispatch_kind::broadcast: return flush_broadcast(self);
      case dispatch_kind::partition: return flush_partitions(self);
    }
  }
  void flush_demand(actor& self) {
    auto& buf = buffers_[0];
    while (!buf.empty()) {
      auto best = std::max_element(subs_.begin(), subs_.end(), [](auto& a, auto& b) { return a.demand < b.demand; });
      if (best == subs_.end() || best->demand == 0) return;
      send_batch(self, *best, buf, best->demand);
    }
  }
  void flush_broadcast(actor& self) {
    auto& buf = buffers_[0];
    std::uint64_t n = std::min<std::uint64_t>(open_demand(), buf.size());
    if (n == 0) return;
    std::vector<T> batch(std::make_move_iterator(buf.begin()), std::make_move_iterator(buf.begin() + n));
    buf.erase(buf.begin(), buf.begin() + n);
    for (auto& s : subs_) {
      s.demand -= n;
      sent_ += n;
      self.send(s.consumer, stage_events<T>{s.ref, batch});
    }
  }
  void flush_partitions(actor& self) {
    for (auto& s : subs_)
      if (s.demand > 0 && !buffers_[s.partition].empty()) send_batch(self, s, buffers_[s.partition], s.demand);
  }
  void send_batch(actor& self, sub& s, std::deque<T>& buf, std::uint64_t limit) {
    auto n = std::min<std::uint64_t>(limit, buf.size());
    std::vector<T> batch(std::make_move_iterator(buf.begin()), std::make_move_iterator(buf.begin() + n));
    buf.erase(buf.begin(), buf.begin() + n);
    s.demand -= n;
    sent_ += n;
    self.send(s.consumer, stage_events<T>{s.ref, std::move(batch)});
  }
  void trim() {
    for (auto& b : buffers_)
      while (b.size() > opts_.buffer_size) {
        b.pop_front();
        ++dropped_;
      }
  }

  dispatcher_options<T> opts_;
  std::vector<sub> subs_;
  std::vector<std::deque<T>> buffers_;
  std::uint64_t requested_ = 0;  // asked of the source, not yet produced
  std::uint64_t dropped_ = 0;
  std::uint64_t sent_ = 0;
};

}  // namespace troupe
