#include "troupe/node/message_type.hpp"

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace troupe {
namespace {

struct type_registry {
  std::shared_mutex mutex;
  std::unordered_map<std::string_view, const message_type*> by_name;
};

type_registry& types() {
  static type_registry r;
  return r;
}

}  // namespace

void destroy_envelope(envelope* e) noexcept { e->type->destroy(e); }

const message_type* find_message_type(std::string_view name) noexcept {
  auto& r = types();
  std::shared_lock lock(r.mutex);
  auto it = r.by_name.find(name);
  return it == r.by_name.end() ? nullptr : it->second;
}

std::vector<const message_type*> registered_message_types() {
  auto& r = types();
  std::shared_lock lock(r.mutex);
  std::vector<const message_type*> out;
  for (auto& [name, t] : r.by_name) out.push_back(t);
  return out;
}

const message_type& detail::add_message_type(const message_type& t) {
  auto& r = types();
  std::unique_lock lock(r.mutex);
  auto [it, inserted] = r.by_name.emplace(t.name, &t);
  if (!inserted && it->second != &t) {
    // Two C++ types claim one wire name: the program is misconfigured; refuse to start.
    std::fprintf(stderr, "troupe: message name '%s' declared by two types\n", std::string(t.name).c_str());
    std::abort();
  }
  return t;
}

}  // namespace troupe
