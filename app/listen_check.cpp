#include "troupe/app/listen_check.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace troupe::app {

std::optional<std::string> listen_address_problem(std::string_view address) {
  constexpr std::string_view scheme = "tcp://";
  if (!address.starts_with(scheme)) return "'" + std::string(address) + "' is not tcp://HOST:PORT";
  auto rest = address.substr(scheme.size());
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return "'" + std::string(address) + "' has no HOST:PORT";
  auto port = rest.substr(colon + 1);
  if (port == "*") return std::nullopt;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value > 65535)
    return "'" + std::string(address) + "': the port must be a number up to 65535 or *";
  return std::nullopt;
}

std::optional<std::string> port_in_use(std::string_view host, std::string_view port) {
  unsigned number = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (ec != std::errc{} || end != port.data() + port.size() || number == 0 || number > 65535) return std::nullopt;
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_port = htons(static_cast<std::uint16_t>(number));
  if (host == "*" || host == "0.0.0.0") at.sin_addr.s_addr = htonl(INADDR_ANY);
  else if (inet_pton(AF_INET, std::string(host).c_str(), &at.sin_addr) != 1) return std::nullopt;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  int on = 1;  // as ZeroMQ and Asio do: a port in TIME_WAIT is free to listen on again
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  std::optional<std::string> problem;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&at), sizeof at) != 0)
    problem = "port " + std::string(port) + " on " + std::string(host) + " is not free (" + std::strerror(errno) + ")";
  ::close(fd);
  return problem;
}

}  // namespace troupe::app
