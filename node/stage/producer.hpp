#pragma once
/// @file
/// `producer<T>`: the source stage of a demand-driven pipeline (GenStage producer).
///
/// Callback contract:
/// | GenStage                        | here                                                       |
/// |---------------------------------|------------------------------------------------------------|
/// | `init` → `{:producer, state, dispatcher: D}` | constructor with `dispatcher_options<T>`      |
/// | `handle_demand(n, state)`       | `handle_demand(n)` → the events (any number; the surplus waits in the buffer) |
/// | events returned from `handle_info`/`handle_cast` | `push(events)` from any handler          |
/// | other callbacks                 | `make_handlers()` (ordinary handlers for other messages)  |
///
/// Flow (user code | generic engine):
/// ```
/// stage_subscribe ─► monitor consumer            stage_ask(n) ─► add demand ─► serve from buffer
///   ─► handle_demand(n not covered) ─► dispatch: send ≤ demand to each consumer ─► buffer the rest
/// consumer DOWN / stage_cancel ─► forget its demand
/// ```
/// The producer never sends a consumer more events than it asked for; memory is the buffer,
/// bounded by `buffer_size` (oldest dropped and counted). A producer whose `handle_demand`
/// makes exactly what is asked keeps its buffer empty.

#include <vector>

#include "troupe/node/actor_system.hpp"
#include "troupe/node/stage/dispatcher.hpp"

namespace troupe {

template <class T>
class producer : public actor {
 public:
  explicit producer(dispatcher_options<T> o = {}) : dispatcher_(std::move(o)) {}

  /// Events waiting for demand. @note Owning actor only.
  [[nodiscard]] std::size_t buffered() const noexcept { return dispatcher_.buffered(); }
  [[nodiscard]] const dispatcher<T>& events_dispatcher() const noexcept { return dispatcher_; }

 protected:
  /// `n` more events are wanted; return what is available now (fewer is fine: `push` later).
  virtual std::vector<T> handle_demand(std::uint64_t n) = 0;
  /// Handlers for the producer's other messages.
  virtual behavior make_handlers() { return {}; }
  /// Emits events on the producer's own initiative (a timer, a cast...).
  void push(std::vector<T> events) { dispatcher_.dispatch(*this, std::move(events)); }

  void on_message(envelope& e) override {
    if (holds<stage_subscribe>(e)) return on_subscribe(payload<stage_subscribe>(e));
    if (holds<stage_ask>(e)) return on_ask(payload<stage_ask>(e));
    if (holds<stage_cancel>(e)) return on_cancel(payload<stage_cancel>(e));
    if (holds<down_msg>(e) && dispatcher_.cancel_monitor(payload<down_msg>(e).ref)) return;
    actor::on_message(e);
  }

 private:
  behavior make_behavior() final { return make_handlers(); }
  void on_subscribe(const stage_subscribe& s) { dispatcher_.subscribe(sender(), s.ref, s.partition, monitor(sender())); }
  void on_ask(const stage_ask& a) {
    std::uint64_t more = dispatcher_.ask(*this, sender(), a.ref, a.count);
    if (more > 0) push(handle_demand(more));
  }
  void on_cancel(const stage_cancel& c) {
    if (ref_id m = dispatcher_.cancel(sender(), c.ref)) demonitor(m);
  }

  dispatcher<T> dispatcher_;
};

}  // namespace troupe
