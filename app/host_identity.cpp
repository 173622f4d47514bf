#include "troupe/app/host_identity.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <unistd.h>

#include <optional>

#include "troupe/cluster/seed_resolver.hpp"

namespace troupe::app {
namespace {

bool is_loopback(const std::string& ip) { return ip.starts_with("127."); }

/// The first non-loopback IPv4 address of an interface that is up.
std::optional<std::string> first_interface_address() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return std::nullopt;
  std::optional<std::string> found;
  for (auto* a = list; a && !found; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
    char text[INET_ADDRSTRLEN] = {};
    auto* in = reinterpret_cast<sockaddr_in*>(a->ifa_addr);
    if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof text) && !is_loopback(text)) found = text;
  }
  freeifaddrs(list);
  return found;
}

/// What this host's name resolves to, loopback excepted (Debian maps the name to 127.0.1.1).
std::optional<std::string> hostname_address() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return std::nullopt;
  auto ips = seed_resolver::system_resolver()(name);
  if (!ips) return std::nullopt;
  for (auto& ip : *ips)
    if (!is_loopback(ip)) return ip;
  return std::nullopt;
}

}  // namespace

std::string short_hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return {};
  std::string s(name);
  return s.substr(0, s.find('.'));
}

std::string expand_hostname(std::string_view name, std::string_view hostname) {
  static constexpr std::string_view placeholder = "{hostname}";
  std::string out(name);
  for (auto pos = out.find(placeholder); pos != std::string::npos; pos = out.find(placeholder, pos + hostname.size()))
    out.replace(pos, placeholder.size(), hostname);
  return out;
}

result<std::string> auto_advertise(std::string_view listen) {
  auto colon = listen.rfind(':');
  auto port = colon == std::string_view::npos ? std::string_view{} : listen.substr(colon + 1);
  if (!listen.starts_with("tcp://") || port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos)
    return fail(errc::invalid_argument, "auto needs --listen tcp://HOST:PORT with a port number, not '" + std::string(listen) + "'");
  auto host = listen.substr(6, colon - 6);
  if (host != "0.0.0.0" && host != "*") return std::string(listen);  // bound to one address: that one
  auto ip = hostname_address();
  if (!ip) ip = first_interface_address();
  if (!ip) return fail(errc::not_found, "auto: this host has no IPv4 address other than loopback");
  return "tcp://" + *ip + ":" + std::string(port);
}

}  // namespace troupe::app
