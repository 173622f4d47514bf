#pragma once
/// @file
/// The processes the simulation's workload runs on its nodes. Each records what it sees in the
/// run's `history`; the checks judge those records at the end.
///
/// - `sim.child` (by type name, for the global supervisor): a global child that notes when it
///   starts and ends, so two live copies are seen the moment the second starts.
/// - `placeholder`: a process that only exists — a holder of a global name, a monitor target.
/// - `watcher`: monitors one remote process and records each DOWN.
/// - `stream_sender` / `stream_receiver`: sequenced messages between two nodes. The sender
///   renews its monitor on the receiver before each message, so a message lost with its
///   connection is always followed by a DOWN noconnection recorded as a break.

#include <cstdint>
#include <string>

#include "troupe/node/actor.hpp"
#include "troupe/node/system_messages.hpp"
#include "simulation/history.hpp"

namespace troupe::sim {

/// Registers the `sim.child` actor type (once per process).
void register_workload_types();

class placeholder final : public actor {
 protected:
  behavior make_behavior() override { return {[](const down_msg&) {}}; }
};

class watcher final : public actor {
 public:
  watcher(history& h, pid target) : history_(h), target_(target) {}

 protected:
  behavior make_behavior() override;

 private:
  history& history_;
  pid target_;
};

/// One sequenced message of a stream.
struct stream_message {
  std::uint64_t seq = 0;
  MSGPACK_DEFINE(seq);
};

class stream_receiver final : public actor {
 public:
  explicit stream_receiver(history& h) : history_(h) {}

 protected:
  behavior make_behavior() override;

 private:
  history& history_;
};

class stream_sender final : public actor {
 public:
  stream_sender(history& h, pid receiver, duration period) : history_(h), receiver_(receiver), period_(period) {}

 protected:
  behavior make_behavior() override;

 private:
  void on_tick();
  void on_down(const down_msg& d);

  history& history_;
  pid receiver_;
  duration period_;
  ref_id ref_ = 0;
  bool done_ = false;
};

}  // namespace troupe::sim

TROUPE_MESSAGE(troupe::sim::stream_message, "troupe.sim.stream");
