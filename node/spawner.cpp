#include "troupe/node/spawner.hpp"

#include "troupe/node/actor_factory.hpp"
#include "troupe/node/log.hpp"
#include "troupe/node/scoped_actor.hpp"

namespace troupe {
namespace {

class spawner final : public actor {
 protected:
  behavior make_behavior() override {
    return {[this](const spawn_request& r) { handle(r); }};
  }

 private:
  void handle(const spawn_request& r) {
    const reply_to to = current_call();
    const pid requester = sender();
    msgpack::object_handle args;
    msgpack::object nil;
    try {
      if (!r.args.empty()) args = msgpack::unpack(r.args.data(), r.args.size());
    } catch (const std::exception& ex) {
      return reply(to, spawn_reply{{}, std::string("undecodable arguments: ") + ex.what(), false, 0});
    }
    auto made = make_actor(r.type, r.args.empty() ? nil : args.get());
    if (!made && made.error().code() == errc::not_found)
      return reply(to, spawn_reply{{}, "node '" + system().node_name() + "' hosts no actor type '" + r.type + "'", false, 0});
    if (!made) return reply(to, spawn_reply{{}, made.error().message(), false, 0});
    // Publish with the link/monitor in place, and send the reply before the child can run.
    pid child = system().spawn_prepared(*made, r.link ? requester : pid{}, requester, r.monitor_ref,
                                        [&](const pid& p) { reply(to, spawn_reply{p, {}, r.link, r.monitor_ref}); });
    if (!child) reply(to, spawn_reply{{}, "the node is shutting down", false, 0});
  }
};

}  // namespace

namespace {

result<spawned> to_result(const spawn_reply& r) {
  if (!r.error.empty() || !r.child) return fail(errc::init_failed, r.error.empty() ? "spawn failed" : r.error);
  return spawned{r.child, r.monitor_ref};
}

spawn_request make_request(actor_system& sys, std::string type, std::vector<char> args, spawn_options opts) {
  return spawn_request{std::move(type), std::move(args), opts.link, opts.monitor ? sys.make_ref() : 0};
}

}  // namespace

void spawn_by_name(actor& self, const pid& spawner, std::string type, std::vector<char> args, spawn_options opts,
                   duration timeout, std::function<void(result<spawned>)> done) {
  self.request<spawn_reply>(spawner, make_request(self.system(), std::move(type), std::move(args), opts), timeout,
                            [done = std::move(done)](result<spawn_reply> r) {
                              done(r ? to_result(*r) : std::unexpected(r.error()));
                            });
}

result<spawned> spawn_by_name(blocking_actor& self, const pid& spawner, std::string type, std::vector<char> args,
                              spawn_options opts, duration timeout) {
  auto& sys = self.system();
  auto req = make_envelope<spawn_request>(self.self(), make_request(sys, std::move(type), std::move(args), opts));
  ref_id ref = sys.make_ref();
  req->correlation = ref;
  sys.deliver(spawner, std::move(req));
  auto reply_id = ref | envelope::reply_bit;
  auto e = self.receive_if([&](const envelope& x) { return x.correlation == reply_id; }, timeout);
  if (!e) return fail(errc::timeout, "no answer from the spawner " + spawner.to_string());
  if (!holds<spawn_reply>(*e)) return fail(errc::codec, "unexpected answer from the spawner");
  return to_result(payload<spawn_reply>(*e));
}

pid start_spawner(actor_system& sys) {
  pid p = sys.spawn<spawner>();
  if (p.serial != spawner_serial)
    log()->error("the spawner of node '{}' got serial {}; remote spawns to this node will fail", sys.node_name(), p.serial);
  return p;
}

}  // namespace troupe
