#include "tools/troupe_node/builtin_actors.hpp"

#include "troupe/app/node_app.hpp"
#include "troupe/cluster/global_snapshot.hpp"
#include "troupe/node/actor_factory.hpp"
#include "troupe/node/spawner.hpp"
#include "troupe/node/actor_system.hpp"
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

std::vector<std::pair<std::string, actor_factory>> builtin_actor_types() {
  std::vector<std::pair<std::string, actor_factory>> types;
  types.emplace_back("echo", [](const msgpack::object&) -> result<actor*> { return new echo; });
  types.emplace_back("counter", &detail::make_hosted<counter, std::int64_t>);
  for (auto& t : chaos::chaos_actor_types()) types.push_back(std::move(t));  // the chaos scenarios' workload
  return types;
}

void register_builtin_actors() {
  for (auto& [name, factory] : builtin_actor_types()) register_actor_type(name, std::move(factory));
}

void host_builtin_actors(node_app& app) {
  for (auto& [name, factory] : builtin_actor_types()) app.host(name, std::move(factory));
}

}  // namespace troupe::builtin
