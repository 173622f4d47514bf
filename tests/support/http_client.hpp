#pragma once
/// @file
/// A minimal blocking HTTP/1.1 client for tests of the management endpoint: sends raw bytes
/// (so tests can send malformed requests too) to 127.0.0.1:PORT and reads the answer until the
/// server closes the connection or the deadline passes.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace troupe::test {

struct http_reply {
  int status = 0;        ///< 0: no answer
  std::string headers;   ///< the status line and headers
  std::string body;
  bool closed = false;   ///< the server closed the connection before the deadline
};

/// Sends `request` as is and reads until EOF or `timeout`.
inline http_reply http_raw(std::uint16_t port, const std::string& request,
                           std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
  http_reply r;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return r;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return r;
  }
  for (std::size_t sent = 0; sent < request.size();) {
    auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early (e.g. a header too large): read what it said
    sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char chunk[4096];
    auto n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) {
      r.closed = true;
      break;
    }
    raw.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  auto split = raw.find("\r\n\r\n");
  r.headers = raw.substr(0, split);
  if (split != std::string::npos) r.body = raw.substr(split + 4);
  if (raw.starts_with("HTTP/1.1 ") && raw.size() >= 12) r.status = std::stoi(raw.substr(9, 3));
  return r;
}

/// GETs `path` with `Connection: close`.
inline http_reply http_get(std::uint16_t port, const std::string& path) {
  return http_raw(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
}

}  // namespace troupe::test
