#pragma once
/// @file
/// `seed_resolver`: turns seed names into IP endpoints on a thread of its own.
///
/// Why a thread: libzmq resolves a `tcp://NAME:PORT` on its I/O thread, and a name that no longer
/// resolves (a killed container on a Docker network) holds that thread for about 10 s — long
/// enough for the node's peers to declare it lost (docs/docker.md). So names never reach the
/// transport: this thread resolves them and hands over `tcp://IP:PORT` endpoints only.
///
/// Seed forms (`--seeds`, comma-separated, docs/discovery.md):
/// - `tcp://IP:PORT` (and any other ZeroMQ address): dialled as given, no lookup.
/// - `tcp://NAME:PORT`: NAME is resolved (every IPv4 address it has) until it first resolves,
///   then never again.
/// - `dns:NAME:PORT`: NAME is resolved every `interval` (a Kubernetes headless Service, a
///   Docker service name, Swarm's `tasks.SERVICE`): addresses that appear are handed over, and
///   addresses that disappear are forgotten (no longer dialled as seeds).
///
/// Each round the owner's `found` callback gets the full current list of endpoints; it decides
/// what to dial (membership dials those that are neither this node nor a connected peer).
///
/// Threading: `found` runs on the resolver thread, never after the destructor returned. The
/// destructor never waits for a lookup in progress: a thread blocked in a lookup is detached
/// and ends by itself when the lookup returns (its state is shared, not owned by this object).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "troupe/node/clock.hpp"
#include "troupe/node/error.hpp"

namespace troupe {

/// A seed that names a host instead of giving an address.
struct seed_name {
  std::string host;
  std::uint16_t port = 0;
  /// `dns:` form: resolved again every interval. Otherwise resolved until it first succeeds.
  bool refresh = false;
};

/// What a seed is: a name to resolve, or (nullopt) an address to dial as given (an IP, or a
/// scheme other than tcp such as ipc://). An error for a `tcp://` or `dns:` seed without a host
/// or a valid port, and for a seed without a scheme.
[[nodiscard]] result<std::optional<seed_name>> parse_seed(std::string_view seed);

class seed_resolver {
 public:
  /// The IPv4 addresses of `host` (dotted text), or an error saying why there are none.
  using resolve_function = std::function<result<std::vector<std::string>>(const std::string& host)>;
  /// Every endpoint (`tcp://IP:PORT`) the names resolve to now, sorted.
  using found_function = std::function<void(const std::vector<std::string>& endpoints)>;

  /// Starts the thread; the first round runs at once.
  seed_resolver(std::vector<seed_name> names, duration interval, resolve_function resolve, found_function found);
  /// Stops the thread without waiting for a lookup in progress (see the file comment).
  ~seed_resolver();
  seed_resolver(const seed_resolver&) = delete;
  seed_resolver& operator=(const seed_resolver&) = delete;

  /// getaddrinfo, IPv4 only (the transport does not enable ZeroMQ's IPv6). Blocks.
  [[nodiscard]] static resolve_function system_resolver();

 private:
  struct state;
  std::shared_ptr<state> state_;
};

/// True if `endpoint` (`tcp://IP:PORT`) is this node: its advertised address, its listen
/// address, or — when it listens on every interface (0.0.0.0 or *) — any of this host's IPv4
/// addresses with its port. A seed name that resolves to every replica resolves to this one too.
[[nodiscard]] bool is_own_endpoint(std::string_view endpoint, std::string_view advertised, std::string_view listen);

}  // namespace troupe
