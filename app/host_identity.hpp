#pragma once
/// @file
/// What a replica knows about itself when every replica gets the same configuration (one
/// service scaled to N in compose, Swarm or a Kubernetes StatefulSet): its host name, unique per
/// container or pod, and its own IP address. Internal to app/ (node_flags uses it).
///
/// - `--name` may hold `{hostname}`: replaced by this host's name (up to its first dot), so
///   `TROUPE_NAME={hostname}` names each replica after its container or pod.
/// - `--advertise auto`: the address peers dial is `tcp://IP:PORT`, IP being what this host's name
///   resolves to (Docker and Kubernetes write it in /etc/hosts), else the first non-loopback
///   IPv4 address of an interface; PORT the `--listen` port. An IP, not a name: peers then never
///   look this node up, and a name that stops resolving cannot stall them (docs/discovery.md).

#include <string>
#include <string_view>

#include "troupe/node/error.hpp"

namespace troupe::app {

/// This host's name up to its first dot.
[[nodiscard]] std::string short_hostname();

/// `name` with every `{hostname}` replaced by `hostname`.
[[nodiscard]] std::string expand_hostname(std::string_view name, std::string_view hostname);

/// The address to advertise for `--advertise auto` given the listen address. Errors name what
/// is missing (a port number in `listen`, any usable IPv4 address).
[[nodiscard]] result<std::string> auto_advertise(std::string_view listen);

}  // namespace troupe::app
