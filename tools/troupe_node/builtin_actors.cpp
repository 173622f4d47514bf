#include "tools/troupe_node/builtin_actors.hpp"

#include "cluster/global_snapshot.hpp"
#include "node/actor_factory.hpp"
#include "node/spawner.hpp"
#include "node/actor_system.hpp"
#include "tools/troupe_node/chaos_actors.hpp"

namespace troupe::builtin {
namespace {

/// A copy of any wire message, made by encoding and decoding it (envelopes are move-only).
envelope_ptr copy_of(const envelope& e) {
  msgpack::sbuffer buf;
  e.type->encode(e, buf);
  auto h = msgpack::unpack(buf.data(), buf.size());
  return envelope_ptr(e.type->decode(h.get(), pid{}));
}

class echo final : public actor {
 protected:
  behavior make_behavior() override {
    return {[this](envelope& e) {
      if (!e.type->encode || e.from.is_null()) return;
      auto back = copy_of(e);
      back->from = self();
      if (e.is_call()) back->correlation = e.correlation | envelope::reply_bit;
      system().deliver(e.from, std::move(back));
    }};
  }
};

class counter final : public actor {
 public:
  explicit counter(std::int64_t start) : n_(start) { expose_state(n_); }  // for sys / troupectl sys

 protected:
  behavior make_behavior() override {
    return {
        [this](const counter_inc& m) {
          n_ += m.by;
          // Under the global supervisor the value survives a move (a no-op anywhere else).
          save_global_snapshot(*this, spawn_args(n_));
          return counter_value{n_};
        },
        [this](const counter_get&) { return counter_value{n_}; },
        [this](const global_restore& r) {
          n_ = msgpack::unpack(r.state.data(), r.state.size()).get().as<std::int64_t>();
        },
    };
  }

 private:
  std::int64_t n_;
};

}  // namespace

void register_builtin_actors() {
  register_actor_type("echo", [](const msgpack::object&) -> result<actor*> { return new echo; });
  register_actor_type("counter", [](const msgpack::object& args) -> result<actor*> {
    return new counter(args.type == msgpack::type::NIL ? 0 : args.as<std::int64_t>());
  });
  chaos::register_chaos_actors();  // the chaos scenarios' workload (tools/chaos)
}

}  // namespace troupe::builtin
