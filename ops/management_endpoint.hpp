#pragma once
/// @file
/// `management_endpoint`: a node's HTTP management endpoint (Boost.Beast) — health, members,
/// processes, names, global children, Prometheus metrics, and the live cluster page. The paths
/// and what they answer are in management_routes.hpp; docs/management.md is the guide.
///
/// ```
/// auto http = troupe::management_endpoint::start(*node, {.address = "127.0.0.1", .port = 8080});
/// if (!http) die(http.error().message());
/// std::cout << (*http)->url();          // http://127.0.0.1:8080
/// ```
///
/// Off unless started; troupe-node starts it with `--http [ADDR:]PORT`. Reading needs no
/// authentication, so it binds the loopback interface unless an address is given explicitly.
///
/// Read-only unless `admin_token` is set (troupe-node: `--http-admin`, with the cookie as the
/// token, as Akka Management keeps its write routes off by default). Then one write is served:
/// `POST /cluster/members/NAME/down` (what `troupectl down NAME` does), to a request carrying
/// `Authorization: Bearer TOKEN` — 401 without it, 403 when writes are off. The token travels
/// in clear: expose the endpoint beyond loopback only on a network you trust or behind TLS.
///
/// Hardening: GET only, but for that one POST (405 with `Allow` otherwise); 404 for unknown paths; request
/// headers bounded (431 beyond `max_header_bytes`), bodies bounded (413); a connection that
/// sends no complete request within `request_timeout` is closed; at most `max_connections` at
/// once (more are closed at accept); malformed requests get a 400 and the connection closes.
/// Nothing a client sends can stop the node or the endpoint.
///
/// Threads: `threads` threads of its own run the server; each request asks the node's admin
/// process with a blocking call on that thread (never on the node's scheduler).
/// Lifetime: stop or destroy it before its node stops.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "troupe/node/error.hpp"

namespace troupe {

class cluster_node;

struct management_options {
  /// IP address to bind (IPv4 or IPv6); loopback by default.
  std::string address = "127.0.0.1";
  /// 0: any free port (see `port()`).
  std::uint16_t port = 0;
  /// Server threads; as many requests are answered at once.
  std::size_t threads = 2;
  std::chrono::milliseconds request_timeout{5000};
  /// How long a request waits for the node's admin process.
  std::chrono::milliseconds admin_timeout{2000};
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 1024;
  std::size_t max_connections = 64;
  /// Empty: read-only. Set: the secret a write request must present as a bearer token.
  std::string admin_token;
};

/// Parses `--http`: `PORT` (on 127.0.0.1), `ADDR:PORT`, or `[IPv6]:PORT`.
[[nodiscard]] result<management_options> parse_http_address(const std::string& text);

class management_endpoint {
 public:
  /// Binds and starts serving. Fails with a clear error if the address cannot be bound.
  static result<std::unique_ptr<management_endpoint>> start(cluster_node& n, management_options options = {});
  /// Stops serving (see `stop`).
  ~management_endpoint();
  management_endpoint(const management_endpoint&) = delete;
  management_endpoint& operator=(const management_endpoint&) = delete;

  /// Closes the listening socket and every connection, joins the threads. Idempotent.
  void stop();
  /// The bound port.
  [[nodiscard]] std::uint16_t port() const noexcept;
  /// `http://ADDR:PORT`.
  [[nodiscard]] std::string url() const;

 private:
  struct impl;
  explicit management_endpoint(std::unique_ptr<impl> i);
  std::unique_ptr<impl> impl_;
};

}  // namespace troupe
