#include "tools/troupe_node/chaos_actors.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "troupe/node/actor_factory.hpp"
#include "troupe/node/actor_system.hpp"
#include "troupe/node/msgpack_adaptors.hpp"
#include "troupe/node/system_messages.hpp"
#include "tools/troupe_node/builtin_actors.hpp"
#include "tools/troupe_node/chaos_event_log.hpp"

namespace troupe::chaos {
namespace {

std::string reason_text(const exit_reason& r) { return r.to_string(); }

/// The base of every chaos actor: its event log line carries the node and the process.
class chaos_actor : public actor {
 protected:
  void log(std::string_view event, json_object fields = {}) {
    fields.field("pid", self().to_string());
    log_event(system().node_name(), event, fields);
  }
  /// Remembers that monitor `ref` fired; false (and logged) if it had fired before.
  bool first_down(const down_msg& d) {
    if (fired_.insert(d.ref).second) return true;
    log("double_down", json_object{}.field("ref", d.ref).field("who", d.who.to_string()));
    ++double_downs_;
    return false;
  }
  std::set<ref_id> fired_;
  std::uint64_t double_downs_ = 0;
};

/// What a receiver knows about one sender.
struct stream_state {
  std::uint64_t last = 0;
  std::uint32_t epoch = 0;
  std::uint64_t received = 0, gaps = 0, lost = 0, reorders = 0, downs = 0;
  ref_id monitor = 0;
};

class receiver final : public chaos_actor {
 protected:
  behavior make_behavior() override {
    return {
        [this](const seq& m) { on_seq(sender(), m); },
        [this](const blob& b) {
          ++blobs_;
          blob_bytes_ += b.data.size();
        },
        [this](const down_msg& d) { on_down(d); },
        [this](const report&) { return report_reply{to_json()}; },
    };
  }
  void on_start() override { log("receiver_start"); }

 private:
  void on_seq(const pid& from, const seq& m) {
    auto& s = streams_[from];
    if (s.monitor == 0) {
      s.monitor = monitor(from);
      log("monitor", json_object{}.field("ref", s.monitor).field("target", from.to_string()));
    }
    if (m.n <= s.last) {
      ++s.reorders;
      log("reorder", json_object{}.field("sender", from.to_string()).field("last", s.last).field("n", m.n));
    } else if (m.n > s.last + 1) {
      ++s.gaps;
      s.lost += m.n - s.last - 1;
      log("gap", json_object{}
                     .field("sender", from.to_string())
                     .field("a", s.last)
                     .field("b", m.n)
                     .field("ea", std::uint64_t{s.epoch})
                     .field("eb", std::uint64_t{m.epoch}));
    }
    if (m.n > s.last) s.last = m.n;
    s.epoch = m.epoch;
    ++s.received;
  }

  void on_down(const down_msg& d) {
    log("down", json_object{}.field("ref", d.ref).field("who", d.who.to_string()).field("reason", reason_text(d.reason)));
    if (!first_down(d)) return;
    auto it = streams_.find(d.who);
    if (it == streams_.end()) return;
    ++it->second.downs;
    if (it->second.monitor == d.ref) it->second.monitor = 0;  // the next message from it monitors again
  }

  std::string to_json() const {
    std::string streams = "[";
    for (auto& [from, s] : streams_) {
      if (streams.size() > 1) streams += ", ";
      streams += json_object{}
                     .field("sender", from.to_string())
                     .field("last", s.last)
                     .field("received", s.received)
                     .field("gaps", s.gaps)
                     .field("lost", s.lost)
                     .field("reorders", s.reorders)
                     .field("downs", s.downs)
                     .str();
    }
    streams += "]";
    return json_object{}
        .field("type", "chaos.receiver")
        .field("pid", self().to_string())
        .field("blobs", blobs_)
        .field("blob_bytes", blob_bytes_)
        .field("double_downs", double_downs_)
        .raw("streams", streams)
        .str();
  }

  std::map<pid, stream_state> streams_;
  std::uint64_t blobs_ = 0, blob_bytes_ = 0;
};

class sender_actor final : public chaos_actor {
 public:
  sender_actor(pid target, std::int64_t interval_ms) : target_(target), interval_(std::chrono::milliseconds(interval_ms)) {}

 protected:
  behavior make_behavior() override {
    return {
        [this](const tick&) { on_tick(); },
        [this](const down_msg& d) { on_down(d); },
        [this](const report&) { return report_reply{to_json()}; },
    };
  }
  void on_start() override {
    log("sender_start", json_object{}.field("target", target_.to_string()));
    watch();
    send_after(self(), interval_, tick{});
  }

 private:
  void watch() {
    monitor_ = monitor(target_);
    ++monitors_;
    log("monitor", json_object{}.field("ref", monitor_).field("target", target_.to_string()).field("sent", n_));
  }

  void on_tick() {
    if (done_) return;
    if (monitor_ == 0) watch();
    send(target_, seq{epoch_, ++n_});
    send_after(self(), interval_, tick{});
  }

  void on_down(const down_msg& d) {
    log("down", json_object{}
                    .field("ref", d.ref)
                    .field("who", d.who.to_string())
                    .field("reason", reason_text(d.reason))
                    .field("sent", n_)
                    .field("epoch", std::uint64_t{epoch_}));
    if (!first_down(d) || d.ref != monitor_) return;
    monitor_ = 0;
    if (d.reason == exit_reason::kind::noconnection) {
      ++epoch_;  // messages may have been lost: a new stream
    } else {
      done_ = true;  // the target is gone for good
      log("sender_done", json_object{}.field("sent", n_).field("reason", reason_text(d.reason)));
    }
  }

  std::string to_json() const {
    return json_object{}
        .field("type", "chaos.sender")
        .field("pid", self().to_string())
        .field("target", target_.to_string())
        .field("sent", n_)
        .field("epoch", std::uint64_t{epoch_})
        .field("monitors", monitors_)
        .field("fired", static_cast<std::uint64_t>(fired_.size()))
        .field("double_downs", double_downs_)
        .field("active_monitor", monitor_)
        .field("done", done_)
        .str();
  }

  pid target_;
  duration interval_;
  ref_id monitor_ = 0;
  std::uint64_t n_ = 0, monitors_ = 0;
  std::uint32_t epoch_ = 0;
  bool done_ = false;
};

class flooder final : public chaos_actor {
 public:
  flooder(pid target, std::int64_t per_tick, std::int64_t bytes, std::int64_t tick_ms)
      : target_(target), per_tick_(per_tick), payload_(static_cast<std::size_t>(bytes), 'x'),
        tick_(std::chrono::milliseconds(tick_ms)) {}

 protected:
  behavior make_behavior() override {
    return {
        [this](const tick&) {
          for (std::int64_t i = 0; i < per_tick_; ++i) send(target_, blob{payload_});
          sent_ += static_cast<std::uint64_t>(per_tick_);
          send_after(self(), tick_, tick{});
        },
        [this](const report&) {
          return report_reply{json_object{}.field("type", "chaos.flooder").field("pid", self().to_string()).field("sent", sent_).str()};
        },
    };
  }
  void on_start() override {
    log("flooder_start", json_object{}.field("target", target_.to_string()));
    send_after(self(), tick_, tick{});
  }

 private:
  pid target_;
  std::int64_t per_tick_;
  std::string payload_;
  duration tick_;
  std::uint64_t sent_ = 0;
};

class singleton final : public chaos_actor {
 public:
  explicit singleton(std::string id) : id_(std::move(id)) {}

 protected:
  behavior make_behavior() override {
    return {
        [this](const builtin::counter_inc& m) {
          n_ += m.by;
          return builtin::counter_value{n_};
        },
        [this](const builtin::counter_get&) { return builtin::counter_value{n_}; },
        [this](const report&) {
          return report_reply{json_object{}.field("type", "chaos.singleton").field("pid", self().to_string()).field("id", id_).str()};
        },
    };
  }
  void on_start() override { log("child_start", json_object{}.field("id", id_)); }
  void on_exit(const exit_reason& r) override { log("child_stop", json_object{}.field("id", id_).field("reason", reason_text(r))); }

 private:
  std::string id_;
  std::int64_t n_ = 0;
};

/// Element `i` of an argument array, converted; throws msgpack::type_error when absent or wrong.
template <class T>
T arg(const msgpack::object& args, std::uint32_t i) {
  if (args.type != msgpack::type::ARRAY || args.via.array.size <= i) throw msgpack::type_error();
  return args.via.array.ptr[i].as<T>();
}

/// Turns a bad argument (msgpack::type_error) into a spawn error instead of a crash.
template <class F>
actor_factory checked(std::string usage, F make) {
  return [usage = std::move(usage), make](const msgpack::object& args) -> result<actor*> {
    try {
      return make(args);
    } catch (const std::exception&) {
      return fail(errc::invalid_argument, "arguments: " + usage);
    }
  };
}

}  // namespace

std::vector<std::pair<std::string, actor_factory>> chaos_actor_types() {
  std::vector<std::pair<std::string, actor_factory>> types;
  types.emplace_back("chaos.receiver", [](const msgpack::object&) -> result<actor*> { return new receiver; });
  types.emplace_back("chaos.sender", checked("[target pid, interval ms]", [](const msgpack::object& a) -> actor* {
                        return new sender_actor(arg<pid>(a, 0), std::max<std::int64_t>(1, arg<std::int64_t>(a, 1)));
                      }));
  types.emplace_back("chaos.flooder",
                      checked("[target pid, messages per tick, bytes per message, tick ms]", [](const msgpack::object& a) -> actor* {
                        // Clamped: a typo must not make the node allocate gigabytes per tick.
                        return new flooder(arg<pid>(a, 0), std::clamp<std::int64_t>(arg<std::int64_t>(a, 1), 0, 10'000),
                                           std::clamp<std::int64_t>(arg<std::int64_t>(a, 2), 0, 1 << 20),
                                           std::max<std::int64_t>(1, arg<std::int64_t>(a, 3)));
                      }));
  types.emplace_back("chaos.singleton", checked("child id (a string)", [](const msgpack::object& a) -> actor* {
                        return new singleton(a.type == msgpack::type::STR ? a.as<std::string>() : std::string("?"));
                      }));
  return types;
}

}  // namespace troupe::chaos
