#include "examples/demo_actors.hpp"

#include <chrono>
#include <map>

#include "troupe/cluster/global_snapshot.hpp"
#include "troupe/node/actor_factory.hpp"
#include "troupe/node/actor_system.hpp"
#include "troupe/node/behaviour/gen_server.hpp"
#include "troupe/node/spawner.hpp"
#include "troupe/registry/process_groups.hpp"

namespace troupe::demo {
namespace {

using namespace std::chrono_literals;

/// Pings one target at a time, so each sample is one clean round trip (no queueing behind
/// other pings).
class pinger final : public actor {
 protected:
  behavior make_behavior() override {
    return {[this](const ping_run& r) { start(r); }};
  }

 private:
  void start(const ping_run& r) {
    caller_ = current_call();
    target_ = r.target;
    left_ = r.count;
    stats_ = ping_stats{{}, 0, system().node_name()};
    stats_.rtt_ns.reserve(r.count);
    next();
  }

  void next() {
    if (left_ == 0) return reply(caller_, std::move(stats_));
    --left_;
    auto sent = std::chrono::steady_clock::now();
    request<ping>(target_, ping{seq_++}, 1s, [this, sent](result<ping> r) {
      if (r)
        stats_.rtt_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - sent).count());
      else
        ++stats_.failed;
      next();
    });
  }

  reply_to caller_;
  pid target_;
  std::uint32_t left_ = 0;
  std::uint64_t seq_ = 0;
  ping_stats stats_;
};

/// The key-value store: a map, and the node it runs on in every answer.
class kv_store : public gen_server {
 protected:
  behavior make_handlers() override {
    return {
        [this](const kv_put& m) {
          keys_[m.key] = m.value;
          return saved(m.key);
        },
        [this](const kv_incr& m) {
          keys_[m.key] += m.by;
          return saved(m.key);
        },
        [this](const kv_get& m) { return answer(m.key); },
        // The first message of a store that moved, when its last node sent a snapshot on.
        [this](const global_restore& r) {
          keys_ = msgpack::unpack(r.state.data(), r.state.size()).get().as<std::map<std::string, std::int64_t>>();
          restored_ = true;
        },
    };
  }

 private:
  /// Saves the keys as the store's snapshot (ignored when it is not a global child), then answers.
  kv_reply saved(const std::string& key) {
    save_global_snapshot(*this, spawn_args(keys_));
    return answer(key);
  }

  kv_reply answer(const std::string& key) const {
    auto it = keys_.find(key);
    return kv_reply{key, it == keys_.end() ? 0 : it->second, it != keys_.end(), system().node_name(), restored_};
  }

  std::map<std::string, std::int64_t> keys_;
  bool restored_ = false;
};

/// A bot in a chat room: it greets every person who speaks, from the node it runs on.
class chat_member final : public actor {
 public:
  chat_member(process_groups& groups, std::string room, std::string nick)
      : groups_(groups), room_(std::move(room)), nick_(std::move(nick)) {}

 protected:
  behavior make_behavior() override {
    if (auto r = groups_.join(chat_group(room_), self()); !r) throw std::runtime_error(r.error().message());
    return {[this](const chat_line& l) {
      if (l.bot) return;  // bots answer people only, or two bots would chat forever
      say("hi " + l.nick + ", " + nick_ + " here, on " + system().node_name() + " (you said: " + l.text + ")");
    }};
  }

 private:
  void say(const std::string& text) {
    for (const auto& member : groups_.members(chat_group(room_)))
      if (member != self()) send(member, chat_line{room_, nick_, text, true});
  }

  process_groups& groups_;
  std::string room_;
  std::string nick_;
};

}  // namespace

void register_demo_actors(process_groups* groups) {
  register_actor_type("demo.pinger", [](const msgpack::object&) -> result<actor*> { return new pinger; });
  register_actor_type("demo.kv", [](const msgpack::object&) -> result<actor*> { return new kv_store; });
  if (!groups) return;
  register_actor_type("demo.chat_member", [groups](const msgpack::object& args) -> result<actor*> {
    auto [room, nick] = args.as<std::pair<std::string, std::string>>();
    if (room.empty() || nick.empty()) return fail(errc::invalid_argument, "demo.chat_member needs [room, nick]");
    return new chat_member(*groups, std::move(room), std::move(nick));
  });
}

}  // namespace troupe::demo
