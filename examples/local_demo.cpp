/// A tour of the local runtime: messages, a link, a monitor and a supervisor restarting a
/// crashed worker. Run it with tools/demo; every line it prints is something that happened.

#include <cstdio>
#include <string>

#include "troupe/node/actor_system.hpp"
#include "troupe/node/scoped_actor.hpp"

namespace demo {

struct greet {
  std::string who;
  MSGPACK_DEFINE(who);
};
struct greeting {
  std::string text;
  MSGPACK_DEFINE(text);
};
struct crash_now {
  MSGPACK_DEFINE();
};
struct which_worker {
  MSGPACK_DEFINE();
};
struct worker_is {
  troupe::pid worker;
  int restarts;
  MSGPACK_DEFINE(worker, restarts);
};

}  // namespace demo

TROUPE_MESSAGE(demo::greet, "demo.greet");
TROUPE_MESSAGE(demo::greeting, "demo.greeting");
TROUPE_MESSAGE(demo::crash_now, "demo.crash_now");
TROUPE_MESSAGE(demo::which_worker, "demo.which_worker");
TROUPE_MESSAGE(demo::worker_is, "demo.worker_is");

namespace demo {

using namespace troupe;
using namespace std::chrono_literals;

/// Answers greetings; crashes on request.
class greeter final : public actor {
 protected:
  behavior make_behavior() override {
    return {
        [this](const greet& g) { send(sender(), greeting{"hello, " + g.who + ", from " + self().to_string()}); },
        [](const crash_now&) -> void { throw std::runtime_error("asked to crash"); },
    };
  }
};

/// Keeps one greeter alive: traps its exit and starts a fresh one (one_for_one, in miniature).
class keeper final : public actor {
 protected:
  behavior make_behavior() override {
    trap_exit(true);
    worker_ = spawn_link<greeter>();
    return {
        [this](const exit_msg& e) {
          std::printf("  keeper: worker %s exited (%s); restarting it\n", e.from.to_string().c_str(),
                      e.reason.to_string().c_str());
          worker_ = spawn_link<greeter>();
          ++restarts_;
        },
        [this](const which_worker&) { send(sender(), worker_is{worker_, restarts_}); },
    };
  }

 private:
  pid worker_;
  int restarts_ = 0;
};

}  // namespace demo

int main() {
  using namespace demo;
  actor_system system(actor_system_config{.node_name = "demo"});
  scoped_actor me(system);
  std::printf("troupe local demo on node '%s' (creation %u, %zu scheduler threads)\n\n", system.node_name().c_str(),
              system.creation(), system.config().threads);

  std::printf("1. messages\n");
  pid g = system.spawn<greeter>();
  me->send(g, greet{"world"});
  if (auto r = me->receive<greeting>(5s)) std::printf("  %s got: %s\n", me.self().to_string().c_str(), r->text.c_str());

  std::printf("\n2. a monitor\n");
  me->monitor(g);
  me->send(g, crash_now{});
  if (auto d = me->receive<down_msg>(5s))
    std::printf("  DOWN: %s exited with '%s'\n", d->who.to_string().c_str(), d->reason.to_string().c_str());

  std::printf("\n3. a link (trapping exits)\n");
  me->trap_exit(true);
  pid linked = system.spawn<greeter>();
  me->link(linked);
  me->send(linked, crash_now{});
  if (auto e = me->receive<exit_msg>(5s))
    std::printf("  EXIT from %s: '%s' (a process not trapping exits would have died too)\n", e->from.to_string().c_str(),
                e->reason.to_string().c_str());

  std::printf("\n4. a supervisor restart\n");
  pid k = system.spawn<keeper>();
  me->send(k, which_worker{});
  auto before = me->receive<worker_is>(5s);
  if (!before) return 1;
  std::printf("  worker is %s\n", before->worker.to_string().c_str());
  me->send(before->worker, crash_now{});
  pid after;
  for (int tries = 0; tries < 100; ++tries) {
    me->send(k, which_worker{});
    auto w = me->receive<worker_is>(5s);
    if (w && w->restarts > 0) {
      after = w->worker;
      break;
    }
  }
  me->send(after, greet{"again"});
  if (auto r = me->receive<greeting>(5s)) std::printf("  new worker %s answers: %s\n", after.to_string().c_str(), r->text.c_str());

  std::printf("\nprocesses alive: %zu, dead letters: %llu\n", system.process_count(),
              static_cast<unsigned long long>(system.counters().dead_letters.load()));
  system.shutdown();
  std::printf("node stopped cleanly\n");
  return 0;
}
