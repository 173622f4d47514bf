#pragma once
/// @file
/// Checks of the addresses a node will listen on, made before anything starts, so that a typo
/// or a port another process holds stops the start with a one-line error naming the flag (exit
/// status 2) instead of a node that half starts. Internal to app/ (node_flags, node_app).

#include <optional>
#include <string>
#include <string_view>

namespace troupe::app {

/// Whether `address` is `tcp://HOST:PORT` with PORT a number up to 65535 or `*` (any free port).
/// Returns what is wrong, for the message after "--FLAG: ".
[[nodiscard]] std::optional<std::string> listen_address_problem(std::string_view address);

/// Whether something already listens on HOST:PORT (HOST `*`, `0.0.0.0` or an IPv4 address; a
/// port of `*` or 0 is always free). Binds a TCP socket there for a moment: another process's
/// listener makes the bind fail. Names are not checked here (the node's own bind reports them).
[[nodiscard]] std::optional<std::string> port_in_use(std::string_view host, std::string_view port);

}  // namespace troupe::app
