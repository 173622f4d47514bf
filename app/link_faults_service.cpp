#include "troupe/app/link_faults_service.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "troupe/node/log.hpp"

namespace troupe::app {
namespace {

link_faults_state state_of(const transport::link_faults& faults) {
  auto out = nlohmann::json::object();
  for (auto& [peer, f] : faults.settings())
    out[peer] = {{"delay_ms", f.delay.count()}, {"jitter_ms", f.jitter.count()}, {"loss", f.loss}};
  return {out.dump()};
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

}  // namespace troupe::app
