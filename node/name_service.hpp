#pragma once
/// @file
/// `name_service`: anything that maps names to processes — the node's own name table, a
/// Registry with unique keys, and (later) the cluster-wide registry. `via{service, name}` lets
/// behaviours start and call processes through any of them (Elixir's {:via, Module, Name}).

#include <memory>
#include <optional>
#include <string>

#include "troupe/node/error.hpp"
#include "troupe/node/pid.hpp"

namespace troupe {

class name_service {
 public:
  virtual ~name_service() = default;
  /// Binds `name` to `p`: `name_taken` if another live process holds it. @threadsafe
  virtual result<void> register_name(const std::string& name, const pid& p) = 0;
  /// Removes the binding if it is held by `p`. @threadsafe
  virtual void unregister_name(const std::string& name, const pid& p) = 0;
  /// The process bound to `name`, if any. @threadsafe
  [[nodiscard]] virtual std::optional<pid> whereis(const std::string& name) const = 0;
  /// The service as a `via` holds it. A `via` can outlive the object it was made from: a server
  /// started under a via-name unregisters the name when it exits, whenever that is. So a service
  /// that may be destroyed while such servers run returns a handle that stays usable (a
  /// `registry` returns one sharing its table). The default owns nothing: a service that keeps
  /// it must outlive every process named through it, as the node's own name table does.
  [[nodiscard]] virtual std::shared_ptr<name_service> share() { return {std::shared_ptr<name_service>{}, this}; }
};

/// A name held by a name service (Elixir's `{:via, Module, Name}`): `via{&registry, "name"}`.
/// It holds the service through `name_service::share`, so copies kept by running servers stay
/// valid after the service object that made them is gone.
struct via {
  via() = default;
  via(name_service* s, std::string n) : service(s ? s->share() : nullptr), name(std::move(n)) {}

  std::shared_ptr<name_service> service;
  std::string name;
};

}  // namespace troupe
