#pragma once
/// @file
/// `upstream`: the consumer side of a stage's subscriptions — which producers it subscribed to
/// and how many events it still expects from each. In automatic mode it asks for `max_demand`
/// on subscribing and tops the demand back up once the events in flight fall to `min_demand`,
/// so at most `max_demand` events are ever on their way to, or waiting in, the consumer.
///
/// Threading: owned by its stage process.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "troupe/node/actor_system.hpp"
#include "troupe/node/stage/stage_messages.hpp"

namespace troupe {

class upstream {
 public:
  struct sub {
    pid producer;
    std::uint64_t ref = 0;
    subscription_options opts;
    std::uint64_t in_flight = 0;  // asked for, not yet received
    ref_id monitor = 0;
  };

  /// Subscribes `self` to `producer`; returns the subscription ref.
  std::uint64_t subscribe(actor& self, const pid& producer, subscription_options o) {
    if (o.max_demand == 0) o.max_demand = 1;
    if (o.min_demand == 0 || o.min_demand >= o.max_demand) o.min_demand = o.max_demand * 3 / 4;
    std::uint64_t ref = self.system().make_ref();
    ref_id m = self.monitor(producer);
    self.send(producer, stage_subscribe{ref, o.partition});
    subs_.push_back({producer, ref, o, 0, m});
    if (!o.manual) ask(self, ref, o.max_demand);
    return ref;
  }
  /// Asks the producer of `ref` for `n` more events.
  void ask(actor& self, std::uint64_t ref, std::uint64_t n) {
    if (auto* s = find(ref); s && n > 0) {
      s->in_flight += n;
      self.send(s->producer, stage_ask{ref, n});
    }
  }
  /// Notes that `n` events of `ref` arrived (call before handling them).
  sub* received(std::uint64_t ref, std::uint64_t n) {
    sub* s = find(ref);
    if (s) s->in_flight -= std::min(s->in_flight, n);
    return s;
  }
  /// After the events were handled: tops automatic demand back up.
  void replenish(actor& self, std::uint64_t ref) {
    sub* s = find(ref);
    if (!s || s->opts.manual || s->in_flight > s->opts.min_demand) return;
    ask(self, ref, s->opts.max_demand - s->in_flight);
  }
  /// Forgets the subscription watched by monitor `m`; returns it.
  std::optional<sub> drop_monitor(ref_id m) {
    auto it = std::find_if(subs_.begin(), subs_.end(), [&](auto& s) { return s.monitor == m; });
    if (it == subs_.end()) return std::nullopt;
    sub s = *it;
    subs_.erase(it);
    return s;
  }
  /// Forgets `ref` (the producer cancelled it).
  std::optional<sub> drop(actor& self, std::uint64_t ref) {
    auto it = std::find_if(subs_.begin(), subs_.end(), [&](auto& s) { return s.ref == ref; });
    if (it == subs_.end()) return std::nullopt;
    sub s = *it;
    self.demonitor(s.monitor);
    subs_.erase(it);
    return s;
  }
  /// Cancels every subscription (the stage is stopping).
  void cancel_all(actor& self) {
    for (auto& s : subs_) self.send(s.producer, stage_cancel{s.ref});
    subs_.clear();
  }
  [[nodiscard]] sub* find(std::uint64_t ref) {
    auto it = std::find_if(subs_.begin(), subs_.end(), [&](auto& s) { return s.ref == ref; });
    return it == subs_.end() ? nullptr : &*it;
  }
  [[nodiscard]] const std::vector<sub>& subscriptions() const noexcept { return subs_; }

 private:
  std::vector<sub> subs_;
};

}  // namespace troupe
