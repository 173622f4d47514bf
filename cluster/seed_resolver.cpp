#include "troupe/cluster/seed_resolver.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "troupe/node/log.hpp"

namespace troupe {
namespace {

bool is_ipv4(std::string_view host) {
  in_addr a{};
  return inet_pton(AF_INET, std::string(host).c_str(), &a) == 1;
}

std::string quoted(std::string_view text) {
  std::string out(1, '\'');
  out.append(text);
  out.push_back('\'');
  return out;
}

/// `HOST:PORT` split at the last colon; an error naming what is wrong.
result<seed_name> split_host_port(std::string_view seed, std::string_view rest) {
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) return fail(errc::invalid_argument, quoted(seed) + " has no port (NAME:PORT)");
  auto host = rest.substr(0, colon), port_text = rest.substr(colon + 1);
  if (host.empty()) return fail(errc::invalid_argument, quoted(seed) + " has no host name");
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
    return fail(errc::invalid_argument, quoted(seed) + ": the port must be a number from 1 to 65535");
  return seed_name{std::string(host), static_cast<std::uint16_t>(port), false};
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

std::string endpoint_of(const std::string& ip, std::uint16_t port) { return "tcp://" + ip + ":" + std::to_string(port); }

}  // namespace

result<std::optional<seed_name>> parse_seed(std::string_view seed) {
  if (seed.starts_with("dns:")) {
    auto name = split_host_port(seed, seed.substr(4));
    if (!name) return std::unexpected(name.error());
    name->refresh = true;
    return std::optional<seed_name>(*name);
  }
  if (seed.starts_with("tcp://")) {
    auto rest = seed.substr(6);
    if (rest.starts_with('[')) return std::optional<seed_name>{};  // an IPv6 literal: as given
    auto name = split_host_port(seed, rest);
    if (!name) return std::unexpected(name.error());
    if (is_ipv4(name->host) || name->host == "*") return std::optional<seed_name>{};
    return std::optional<seed_name>(*name);
  }
  if (seed.find("://") != std::string_view::npos) return std::optional<seed_name>{};  // ipc://, inproc://...
  return fail(errc::invalid_argument, quoted(seed) + " is neither tcp://HOST:PORT nor dns:NAME:PORT");
}

// --- the thread ------------------------------------------------------------------------------------------

/// Shared by the owner and the thread, so a thread detached in a lookup still has it.
struct seed_resolver::state {
  std::vector<seed_name> names;
  duration interval;
  resolve_function resolve;
  found_function found;

  std::mutex mutex;  ///< guards `stopped` and each call of `found`
  std::condition_variable wake;
  bool stopped = false;
  // Only the resolver thread touches what follows.
  std::map<std::size_t, std::vector<std::string>> by_name;  ///< last endpoints of names[i]
  std::map<std::size_t, bool> failing;  ///< names[i] failed last time (logged once)
  std::vector<std::string> last;        ///< what `found` last got

  void run();
  /// One round; false when nothing is left to resolve (only one-shot names, all resolved).
  bool round();
  void resolve_one(std::size_t i);
};

void seed_resolver::state::run() {
  std::unique_lock lock(mutex);
  while (!stopped) {
    lock.unlock();
    bool again = round();
    lock.lock();
    if (!again) return;
    wake.wait_for(lock, interval, [this] { return stopped; });
  }
}

bool seed_resolver::state::round() {
  bool again = false;
  for (std::size_t i = 0; i < names.size(); ++i) {
    bool resolved_once = !names[i].refresh && by_name.contains(i);
    if (!resolved_once) resolve_one(i);
    again = again || names[i].refresh || !by_name.contains(i);
  }
  std::set<std::string> all;
  for (auto& [_, endpoints] : by_name) all.insert(endpoints.begin(), endpoints.end());
  std::vector<std::string> now(all.begin(), all.end());
  std::lock_guard lock(mutex);
  if (stopped) return false;
  if (now != last) log()->info("seeds resolve to {} endpoint(s): {}", now.size(), joined(now));
  last = now;
  found(now);  // under the mutex: the destructor cannot return while it runs
  return again;
}

void seed_resolver::state::resolve_one(std::size_t i) {
  if (std::lock_guard lock(mutex); stopped) return;
  auto ips = resolve(names[i].host);  // may block for seconds: outside the mutex
  std::lock_guard lock(mutex);
  if (stopped) return;
  auto& n = names[i];
  if (!ips || ips->empty()) {
    if (!failing[i]) log()->warn("seed name '{}' does not resolve: {}", n.host, ips ? "no IPv4 address" : ips.error().message());
    failing[i] = true;
    if (n.refresh) by_name.erase(i);  // gone replicas are forgotten
    return;
  }
  failing[i] = false;
  std::vector<std::string> endpoints;
  for (auto& ip : *ips) endpoints.push_back(endpoint_of(ip, n.port));
  by_name[i] = std::move(endpoints);
}

seed_resolver::seed_resolver(std::vector<seed_name> names, duration interval, resolve_function resolve, found_function found)
    : state_(std::make_shared<state>()) {
  state_->names = std::move(names);
  state_->interval = interval;
  state_->resolve = std::move(resolve);
  state_->found = std::move(found);
  std::thread t([s = state_] { s->run(); });
  t.detach();  // ends by itself; see ~seed_resolver
}

seed_resolver::~seed_resolver() {
  std::lock_guard lock(state_->mutex);  // waits for a `found` in progress
  state_->stopped = true;
  state_->wake.notify_all();
}

// --- the system's resolver --------------------------------------------------------------------------------

seed_resolver::resolve_function seed_resolver::system_resolver() {
  return [](const std::string& host) -> result<std::vector<std::string>> {
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found); rc != 0)
      return fail(errc::not_found, gai_strerror(rc));
    std::set<std::string> ips;
    for (auto* a = found; a; a = a->ai_next) {
      char text[INET_ADDRSTRLEN] = {};
      auto* in = reinterpret_cast<sockaddr_in*>(a->ai_addr);
      if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof text)) ips.insert(text);
    }
    freeaddrinfo(found);
    return std::vector<std::string>(ips.begin(), ips.end());
  };
}

bool is_own_endpoint(std::string_view endpoint, std::string_view advertised, std::string_view listen) {
  if (endpoint == advertised || endpoint == listen) return true;
  auto port_of = [](std::string_view a) { return a.substr(a.rfind(':') + 1); };
  bool wildcard = listen.starts_with("tcp://0.0.0.0:") || listen.starts_with("tcp://*:");
  auto colon = endpoint.rfind(':');
  if (!wildcard || !endpoint.starts_with("tcp://") || colon == std::string_view::npos ||
      port_of(endpoint) != port_of(advertised))
    return false;
  auto ip = std::string(endpoint.substr(6, colon - 6));
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return false;
  bool own = false;
  for (auto* a = list; a && !own; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
    char text[INET_ADDRSTRLEN] = {};
    auto* in = reinterpret_cast<sockaddr_in*>(a->ifa_addr);
    own = inet_ntop(AF_INET, &in->sin_addr, text, sizeof text) && ip == text;
  }
  freeifaddrs(list);
  return own;
}

}  // namespace troupe
