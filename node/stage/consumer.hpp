#pragma once
/// @file
/// `consumer<T>`: the sink stage of a demand-driven pipeline (GenStage consumer).
///
/// Callback contract:
/// | GenStage                                 | here                                            |
/// |------------------------------------------|-------------------------------------------------|
/// | `handle_events(events, from, state)`     | `handle_events(events, subscription)`           |
/// | `handle_subscribe` with `:manual`        | `subscription_options{.manual = true}` and `ask(subscription, n)` |
/// | `handle_cancel(reason, from, state)`     | `handle_cancel(subscription, reason)`; the default stops the consumer with the producer's reason (GenStage `cancel: :permanent`) |
/// | `GenStage.sync_subscribe(c, to: p)`      | `subscribe_to(p, opts)` inside, or `stage_subscribe_to{p, opts}` sent to it |
///
/// Flow: subscribe ─► ask max_demand ─► events ─► handle_events ─► in flight ≤ min_demand? ask
/// up to max_demand again. So the events on their way to the consumer or queued in its mailbox
/// never exceed max_demand.

#include <vector>

#include "troupe/node/actor_system.hpp"
#include "troupe/node/stage/upstream.hpp"

namespace troupe {

template <class T>
class consumer : public actor {
 public:
  /// The subscriptions (for tests and metrics). @note Owning actor only.
  [[nodiscard]] const upstream& producers() const noexcept { return upstream_; }

 protected:
  virtual void handle_events(std::vector<T>& events, std::uint64_t subscription) = 0;
  virtual void handle_cancel(std::uint64_t subscription, const exit_reason& reason) {
    (void)subscription;
    stop(reason);
  }
  virtual behavior make_handlers() { return {}; }

  std::uint64_t subscribe_to(const pid& p, subscription_options o = {}) { return upstream_.subscribe(*this, p, o); }
  /// Asks for more events (manual subscriptions).
  void ask(std::uint64_t subscription, std::uint64_t n) { upstream_.ask(*this, subscription, n); }

  void on_message(envelope& e) override {
    if (holds<stage_events<T>>(e)) return on_events(payload<stage_events<T>>(e));
    if (holds<stage_subscribe_to>(e)) {
      auto& s = payload<stage_subscribe_to>(e);
      return (void)subscribe_to(s.producer, s.options);
    }
    if (holds<stage_cancel>(e)) {
      if (upstream_.drop(*this, payload<stage_cancel>(e).ref)) handle_cancel(payload<stage_cancel>(e).ref, exit_reason::normal());
      return;
    }
    if (holds<down_msg>(e)) {
      if (auto s = upstream_.drop_monitor(payload<down_msg>(e).ref)) return handle_cancel(s->ref, payload<down_msg>(e).reason);
    }
    actor::on_message(e);
  }

 private:
  behavior make_behavior() final { return make_handlers(); }
  void on_events(stage_events<T>& m) {
    if (!upstream_.received(m.ref, m.events.size())) return;  // cancelled meanwhile
    handle_events(m.events, m.ref);
    upstream_.replenish(*this, m.ref);
  }

  upstream upstream_;
};

}  // namespace troupe
