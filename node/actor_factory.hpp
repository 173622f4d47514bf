#pragma once
/// @file
/// Actor types by name, so a process can be started from another node (remote spawn), from the
/// command line (troupectl) or by the global supervisor: a name plus MessagePack arguments.
///
/// ```
/// troupe::register_actor_type("counter", [](const msgpack::object& args) -> troupe::result<troupe::actor*> {
///   return new counter(args.type == msgpack::type::NIL ? 0 : args.as<std::int64_t>());
/// });
/// ```
/// The registry is process-wide, like message types: register at start-up, before nodes run.

#include <functional>
#include <msgpack.hpp>
#include <string>
#include <vector>

#include "troupe/node/actor.hpp"
#include "troupe/node/error.hpp"

namespace troupe {

/// Builds an actor from its arguments; an error (bad arguments) is returned to whoever spawns.
/// A factory may throw msgpack::type_error for arguments of the wrong shape: it becomes an error.
using actor_factory = std::function<result<actor*>(const msgpack::object& args)>;

/// Registers (or replaces) a type. @threadsafe
void register_actor_type(const std::string& name, actor_factory factory);
/// Builds an actor of type `name`; `not_found` if no such type, `invalid_argument` if the
/// factory refused the arguments. @threadsafe
result<actor*> make_actor(const std::string& name, const msgpack::object& args);
/// Every registered type name, sorted. @threadsafe
std::vector<std::string> actor_types();

}  // namespace troupe
