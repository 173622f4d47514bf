#pragma once
/// @file
/// `name_service`: anything that maps names to processes — the node's own name table, a
/// Registry with unique keys, and (later) the cluster-wide registry. `via{service, name}` lets
/// behaviours start and call processes through any of them (Elixir's {:via, Module, Name}).

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
};

/// A name held by a name service.
struct via {
  name_service* service = nullptr;
  std::string name;
};

}  // namespace troupe
