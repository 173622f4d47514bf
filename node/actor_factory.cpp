#include "troupe/node/actor_factory.hpp"

#include <sstream>

#include <algorithm>
#include <map>
#include <mutex>

namespace troupe {
namespace {

struct factory_registry {
  std::mutex mutex;
  std::map<std::string, actor_factory> by_name;
};

factory_registry& factories() {
  static factory_registry r;
  return r;
}

}  // namespace

void register_actor_type(const std::string& name, actor_factory factory) {
  auto& r = factories();
  std::lock_guard lock(r.mutex);
  r.by_name[name] = std::move(factory);
}

result<actor*> make_actor(const std::string& name, const msgpack::object& args) {
  actor_factory f;
  {
    auto& r = factories();
    std::lock_guard lock(r.mutex);
    auto it = r.by_name.find(name);
    if (it == r.by_name.end()) return fail(errc::not_found, "no actor type '" + name + "' on this node");
    f = it->second;
  }
  try {
    return f(args);
  } catch (const msgpack::type_error&) {  // its what() is only "std::bad_cast"
    std::ostringstream given;
    given << args;
    return fail(errc::invalid_argument, "arguments for '" + name + "' do not have the shape it expects: got " + given.str());
  } catch (const std::exception& ex) {
    return fail(errc::invalid_argument, "arguments for '" + name + "' rejected: " + ex.what());
  }
}

std::vector<std::string> actor_types() {
  auto& r = factories();
  std::lock_guard lock(r.mutex);
  std::vector<std::string> out;
  for (auto& [name, f] : r.by_name) out.push_back(name);
  return out;
}

}  // namespace troupe
