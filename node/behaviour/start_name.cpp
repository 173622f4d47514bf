#include "troupe/node/behaviour/start_name.hpp"

#include "troupe/node/actor_system.hpp"

namespace troupe::detail {

result<void> claim_start_name(actor& self, const start_config& cfg) {
  if (auto* n = std::get_if<std::string>(&cfg.name)) return self.system().register_name(*n, self.self());
  if (auto* v = std::get_if<via>(&cfg.name)) return v->service->register_name(v->name, self.self());
  return {};
}

void release_start_name(actor& self, const start_config& cfg) noexcept {
  if (auto* v = std::get_if<via>(&cfg.name)) v->service->unregister_name(v->name, self.self());
}

}  // namespace troupe::detail
