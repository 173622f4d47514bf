#include "simulation/workload_actors.hpp"

#include <mutex>

#include "troupe/node/actor_factory.hpp"
#include "troupe/node/actor_system.hpp"

namespace troupe::sim {
namespace {

struct sender_tick {};

/// A global child: its id comes as the spawn argument.
class child final : public actor {
 public:
  explicit child(std::string id) : id_(std::move(id)) {}

 protected:
  behavior make_behavior() override { return {[](const down_msg&) {}}; }
  void on_start() override {
    history_ = current_history();
    if (history_) history_->child_started(id_, self());
  }
  void on_exit(const exit_reason&) override {
    if (history_) history_->child_stopped(id_, self());
  }

 private:
  std::string id_;
  history* history_ = nullptr;
};

}  // namespace
}  // namespace troupe::sim

TROUPE_LOCAL_MESSAGE(troupe::sim::sender_tick, "troupe.sim.sender_tick");

namespace troupe::sim {

void register_workload_types() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_actor_type("sim.child", [](const msgpack::object& args) -> result<actor*> {
      return new child(args.as<std::string>());
    });
  });
}

behavior watcher::make_behavior() {
  auto ref = monitor(target_);
  history_.monitors[{self(), ref}] = history::monitor_record{self(), target_, 0, {}};
  return {[this](const down_msg& d) {
    auto& m = history_.monitors[{self(), d.ref}];
    ++m.fired;
    m.reasons += (m.reasons.empty() ? "" : ", ") + d.reason.to_string();
  }};
}

behavior stream_receiver::make_behavior() {
  return {[this](const stream_message& m) { history_.streams[{sender(), self()}].received.push_back(m.seq); }};
}

behavior stream_sender::make_behavior() {
  send_after(self(), period_, sender_tick{});
  return {
      [this](const sender_tick&) { on_tick(); },
      [this](const down_msg& d) { on_down(d); },
  };
}

void stream_sender::on_tick() {
  if (done_) return;
  // A fresh monitor before each message: if this message is lost with its connection, this
  // monitor fires noconnection, and the break is recorded before any later message is sent.
  auto& s = history_.streams[{self(), receiver_}];
  // Troupe's demonitor flushes: a DOWN already delivered for the old monitor (queued behind this
  // tick) is removed, and demonitor says so by returning false. That DOWN was sent, so the break
  // it reports counts (seed 598 with a join: the connection was lost between two ticks, and the
  // DOWN arrived behind the second). A monitor that never fired returns true and adds nothing.
  if (ref_ && !demonitor(ref_)) s.breaks.push_back(s.sent);
  ref_ = monitor(receiver_);
  send(receiver_, stream_message{++s.sent});
  send_after(self(), period_, sender_tick{});
}

void stream_sender::on_down(const down_msg& d) {
  if (d.ref != ref_) return;
  ref_ = 0;
  auto& s = history_.streams[{self(), receiver_}];
  if (d.reason == exit_reason::kind::noconnection)
    s.breaks.push_back(s.sent);
  else
    done_ = true;  // the receiver is dead
}

}  // namespace troupe::sim
