#pragma once
/// @file
/// `node_app`: your program is a Troupe node. It gives a binary of yours everything
/// `troupe-node` has — the same flags and `TROUPE_*` variables, the ready line, membership, the
/// distributed registry and process groups, the global supervisor, the admin process that
/// `troupectl` talks to, the management endpoint and live page, drain on SIGTERM — plus the
/// actor types you host (Akka's ActorSystem + cluster extension, Orleans' silo host builder).
///
/// ```
/// #include <troupe/troupe.hpp>
///
/// int main(int argc, char** argv) {
///   troupe::node_app app("inventory-node");
///   app.host<stock_keeper, std::int64_t>("stock_keeper");  // built from one int64 argument
///   app.host<auditor>("auditor");                           // default-constructed
///   return app.run(argc, argv);
/// }
/// ```
/// `troupe-node` itself is such a `main` (tools/troupe_node/main.cpp). Every node tells the
/// cluster which types it hosts; the global supervisor places a child only on a node that hosts
/// its type (docs/library.md).
///
/// Threading: configure the app on one thread, then call `run` once; it blocks until the node
/// stops (SIGTERM, SIGINT or `troupectl drain`).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "troupe/node/actor_factory.hpp"

namespace troupe {

class cluster_node;
struct cluster_services;

/// Runs once the node and its cluster services are up, before the ready line is printed: the
/// place to spawn the program's own long-lived processes or start global children.
using node_start_hook = std::function<void(cluster_node& n, cluster_services& services)>;

class node_app {
 public:
  /// `program` names the binary in the ready line, `--help` and `--version`.
  explicit node_app(std::string program = "troupe-node", std::string description = {});
  ~node_app();
  node_app(const node_app&) = delete;
  node_app& operator=(const node_app&) = delete;

  /// Hosts actor type `type`, built by `factory` from the spawn's MessagePack argument. A type
  /// named twice (here, or already registered in the process) is a mistake that `run` reports
  /// with exit status 2 before anything starts.
  node_app& host(std::string type, actor_factory factory);
  /// Hosts `Actor`, built from its argument decoded as `Args...`: none (the argument is
  /// ignored), one value (nil gives a default-constructed one), or an array of several.
  template <class Actor, class... Args>
  node_app& host(std::string type);
  /// Adds a hook run once the node is up (see node_start_hook); hooks run in order.
  node_app& on_start(node_start_hook hook);

  /// Parses the command line and the `TROUPE_*` variables, starts the node and serves until
  /// SIGTERM/SIGINT or a drain, then drains and stops. Returns the process exit status: 0 after
  /// a clean stop, 2 for a usage or configuration error (with a one-line message on stderr), 1
  /// if the node could not start.
  [[nodiscard]] int run(int argc, char** argv);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The same as `node_app app(program); setup(app); return app.run(argc, argv);`.
[[nodiscard]] int node_main(int argc, char** argv, const std::function<void(node_app&)>& setup,
                            std::string program = "troupe-node");

// ---------------------------------------------------------------------------------------------

namespace detail {

template <class Actor, class... Args>
result<actor*> make_hosted(const msgpack::object& args) {
  if constexpr (sizeof...(Args) == 0) {
    return new Actor();
  } else if constexpr (sizeof...(Args) == 1) {
    using arg = std::tuple_element_t<0, std::tuple<Args...>>;
    return new Actor(args.type == msgpack::type::NIL ? arg{} : args.as<arg>());
  } else {
    return std::apply([](auto&&... a) -> actor* { return new Actor(std::move(a)...); },
                      args.as<std::tuple<Args...>>());
  }
}

}  // namespace detail

template <class Actor, class... Args>
node_app& node_app::host(std::string type) {
  static_assert(std::is_base_of_v<actor, Actor>, "a hosted type derives from troupe::actor");
  return host(std::move(type), &detail::make_hosted<Actor, std::decay_t<Args>...>);
}

}  // namespace troupe
