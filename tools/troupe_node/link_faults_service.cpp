#include "tools/troupe_node/link_faults_service.hpp"

#include <cmath>

#include "node/log.hpp"
#include "tools/troupe_node/chaos_event_log.hpp"

namespace troupe::builtin {
namespace {

link_faults_state state_of(const transport::link_faults& faults) {
  std::string out = "{";
  for (auto& [peer, f] : faults.settings()) {
    if (out.size() > 1) out += ", ";
    out += chaos::json_quote(peer) + ": " +
           chaos::json_object{}
               .field("delay_ms", static_cast<std::int64_t>(f.delay.count()))
               .field("jitter_ms", static_cast<std::int64_t>(f.jitter.count()))
               .raw("loss", std::to_string(f.loss))
               .str();
  }
  return {out + "}"};
}

}  // namespace

pid start_link_faults_service(actor_system& system, transport::link_faults& faults) {
  auto service = system.spawn([&faults](actor&) -> behavior {
    return {
        [&faults](const link_faults_set& m) {
          double loss = std::isfinite(m.loss) ? m.loss : 0.0;  // NaN from the wire must not reach the RNG
          faults.set(m.peer.empty() ? "*" : m.peer,
                     {std::chrono::milliseconds(m.delay_ms), std::chrono::milliseconds(m.jitter_ms), loss});
          log()->warn("link faults to '{}': delay {} ms, jitter {} ms, loss {}", m.peer, m.delay_ms, m.jitter_ms, loss);
          return state_of(faults);
        },
        [&faults](const link_faults_get&) { return state_of(faults); },
    };
  });
  if (auto r = system.register_name("troupe.link_faults", service); !r)
    log()->error("cannot register troupe.link_faults: {}", r.error().message());
  return service;
}

}  // namespace troupe::builtin
