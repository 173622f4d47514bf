#pragma once
/// @file
/// `producer_consumer<In, Out>`: a middle stage (GenStage producer_consumer). It consumes `In`
/// events from upstream and emits `Out` events downstream through its dispatcher.
///
/// Demand flows backwards: the stage asks upstream only for what its own consumers asked of it,
/// so a slow consumer at the end slows the whole pipeline down instead of filling buffers. (Its
/// upstream subscriptions are therefore always driven by downstream demand; `max_demand` still
/// caps what one ask may carry.)
///
/// Callback: `handle_events(events, subscription)` → the events to emit (any number: a filter
/// emits fewer, an expander more — the surplus waits in the buffer).

#include <vector>

#include "troupe/node/stage/dispatcher.hpp"
#include "troupe/node/stage/upstream.hpp"

namespace troupe {

template <class In, class Out>
class producer_consumer : public actor {
 public:
  explicit producer_consumer(dispatcher_options<Out> o = {}) : dispatcher_(std::move(o)) {}
  [[nodiscard]] std::size_t buffered() const noexcept { return dispatcher_.buffered(); }

 protected:
  virtual std::vector<Out> handle_events(std::vector<In>& events, std::uint64_t subscription) = 0;
  virtual behavior make_handlers() { return {}; }
  std::uint64_t subscribe_to(const pid& p, subscription_options o = {}) {
    o.manual = true;
    std::uint64_t ref = upstream_.subscribe(*this, p, o);
    forward_demand();
    return ref;
  }

  void on_message(envelope& e) override {
    if (holds<stage_events<In>>(e)) return on_events(payload<stage_events<In>>(e));
    if (holds<stage_subscribe>(e)) {
      return dispatcher_.subscribe(sender(), payload<stage_subscribe>(e).ref, payload<stage_subscribe>(e).partition,
                                   monitor(sender()));
    }
    if (holds<stage_ask>(e)) return on_ask(payload<stage_ask>(e));
    if (holds<stage_subscribe_to>(e)) {
      auto& s = payload<stage_subscribe_to>(e);
      return (void)subscribe_to(s.producer, s.options);
    }
    if (holds<stage_cancel>(e)) return on_cancel(payload<stage_cancel>(e));
    if (holds<down_msg>(e)) {
      auto& d = payload<down_msg>(e);
      if (dispatcher_.cancel_monitor(d.ref)) return;
      if (upstream_.drop_monitor(d.ref)) return stop(d.reason);
    }
    actor::on_message(e);
  }

 private:
  behavior make_behavior() final { return make_handlers(); }
  void on_ask(const stage_ask& a) {
    wanted_ += dispatcher_.ask(*this, sender(), a.ref, a.count);
    forward_demand();
  }
  void on_cancel(const stage_cancel& c) {
    if (ref_id m = dispatcher_.cancel(sender(), c.ref)) return (void)demonitor(m);
    if (upstream_.drop(*this, c.ref)) stop(exit_reason::normal());
  }
  void on_events(stage_events<In>& m) {
    if (!upstream_.received(m.ref, m.events.size())) return;
    const std::uint64_t consumed = m.events.size();
    dispatcher_.dispatch(*this, handle_events(m.events, m.ref), consumed);
    wanted_ += dispatcher_.top_up();
    forward_demand();
  }
  /// Passes downstream demand not yet asked upstream to the subscription with least in flight,
  /// at most its max_demand in flight.
  void forward_demand() {
    for (const auto& s : upstream_.subscriptions()) {
      if (wanted_ == 0) return;
      std::uint64_t room = s.opts.max_demand > s.in_flight ? s.opts.max_demand - s.in_flight : 0;
      std::uint64_t n = std::min(room, wanted_);
      wanted_ -= n;
      upstream_.ask(*this, s.ref, n);
    }
  }

  dispatcher<Out> dispatcher_;
  upstream upstream_;
  std::uint64_t wanted_ = 0;  // downstream demand not yet asked upstream
};

}  // namespace troupe
