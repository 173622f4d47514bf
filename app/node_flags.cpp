#include "troupe/app/node_flags.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "troupe/app/host_identity.hpp"
#include "troupe/app/listen_check.hpp"
#include "troupe/cluster/seed_resolver.hpp"
#include "troupe/version.hpp"

namespace troupe::app {
namespace {

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

/// The first line of `path`; an error text if it cannot be read or is empty.
std::optional<std::string> read_cookie_file(const std::string& path, std::string& error) {
  std::ifstream f(path);
  if (!f) {
    error = "--cookie-file: cannot read '" + path + "'";
    return std::nullopt;
  }
  std::string cookie;
  std::getline(f, cookie);
  if (cookie.empty()) {
    error = "--cookie-file: '" + path + "' is empty (its first line is the cookie)";
    return std::nullopt;
  }
  return cookie;
}

/// The raw values as given, before the profile and the overrides are applied.
struct raw_flags {
  std::string listen, advertise, cookie, cookie_file, seeds, profile = "default";
  bool curve = false;
  int heartbeat_ms = 0, peer_timeout_ms = 0, drain_timeout_ms = 15000, seeds_refresh_ms = 5000, auto_down_ms = 0;
  std::size_t max_queued_mb = 0, busy_limit_kb = 0;
  int monitored_by = -1;  // -1: the default (transport_config::monitored_by)
};

void add_options(CLI::App& app, node_flags& f, raw_flags& r) {
  app.add_option("--name", f.config.name, "node name, unique in the cluster ({hostname} is replaced by this host's name)")
      ->envname("TROUPE_NAME")->required();
  app.add_option("--listen", r.listen, "listen address, tcp://HOST:PORT")->envname("TROUPE_LISTEN");
  app.add_option("--advertise", r.advertise, "address peers use to reach this node; auto: this host's IP and the --listen port")
      ->envname("TROUPE_ADVERTISE");
  app.add_option("--seeds", r.seeds, "comma-separated nodes to join: tcp://HOST:PORT (a name is resolved once), "
                                     "dns:NAME:PORT (resolved again every --seeds-refresh-ms: every replica of a service)")
      ->envname("TROUPE_SEEDS");
  app.add_option("--seeds-refresh-ms", r.seeds_refresh_ms, "how often dns: seeds are resolved again")
      ->envname("TROUPE_SEEDS_REFRESH_MS")->check(CLI::Range(1, 86400000));
  app.add_option("--auto-down-ms", r.auto_down_ms,
                 "remove a member down this long, decided only where a majority is seen (0: off, use troupectl down)")
      ->envname("TROUPE_AUTO_DOWN_MS")->check(CLI::Range(0, 86400000));
  app.add_option("--cookie", r.cookie, "shared secret")->envname("TROUPE_COOKIE");
  app.add_option("--cookie-file", r.cookie_file, "file whose first line is the cookie")->envname("TROUPE_COOKIE_FILE");
  app.add_flag("--curve", r.curve, "encrypt connections (CurveZMQ, keys from the cookie)")->envname("TROUPE_CURVE");
  app.add_option("--threads", f.config.threads, "scheduler threads (0: one per core)")->envname("TROUPE_THREADS");
  app.add_option("--profile", r.profile, "failure detection: default (~0.65 s) or aggressive (~0.2 s)")
      ->envname("TROUPE_PROFILE")
      ->check(CLI::IsMember({"default", "aggressive"}));
  app.add_option("--heartbeat-ms", r.heartbeat_ms, "heartbeat interval (overrides the profile)")
      ->envname("TROUPE_HEARTBEAT_MS")->check(CLI::NonNegativeNumber);
  app.add_option("--peer-timeout-ms", r.peer_timeout_ms, "hard cap on a peer's silence (overrides the profile)")
      ->envname("TROUPE_PEER_TIMEOUT_MS")->check(CLI::NonNegativeNumber);
  app.add_option("--monitored-by", r.monitored_by,
                 "how many members watch each member (heartbeats and detector; losses spread by report); "
                 "0: every member watches every member (default 5)")
      ->envname("TROUPE_MONITORED_BY")->check(CLI::NonNegativeNumber);
  app.add_option("--drain-timeout-ms", r.drain_timeout_ms,
                 "on SIGTERM/SIGINT or `troupectl drain`: how long to wait for the global children to run elsewhere before stopping")
      ->envname("TROUPE_DRAIN_TIMEOUT_MS")->check(CLI::NonNegativeNumber);
  app.add_flag("--rebalance", f.rebalance, "move running global children to nodes that join and own them by the hash")
      ->envname("TROUPE_REBALANCE");
  auto* http = app.add_option("--http", f.http, "serve the management endpoint and live page on [ADDR:]PORT (default: off; "
                                   "loopback unless ADDR is given)")
      ->envname("TROUPE_HTTP");
  app.add_flag("--http-admin", f.http_admin,
               "let the management endpoint remove a down member (POST /cluster/members/NAME/down) for a request "
               "carrying `Authorization: Bearer COOKIE`; read-only without it")
      ->envname("TROUPE_HTTP_ADMIN")
      ->needs(http);
  app.add_flag("--allow-fault-injection", f.allow_fault_injection, "accept link faults (delay, loss) from troupectl: tests only")
      ->envname("TROUPE_ALLOW_FAULT_INJECTION");
  app.add_option("--max-queued-mb", r.max_queued_mb, "bound of the outbound queue to each peer, in MiB")
      ->envname("TROUPE_MAX_QUEUED_MB");
  app.add_option("--busy-limit-kb", r.busy_limit_kb,
                 "bytes queued to a peer, in KiB, past which its senders are suspended (flow control; default 8192)")
      ->envname("TROUPE_BUSY_LIMIT_KB")->check(CLI::Range(std::size_t{1}, std::size_t{16} * 1024 * 1024));
  app.add_option("--log-level", f.log_level, "trace, debug, info, warn, error, critical or off")
      ->envname("TROUPE_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
}

/// Seeds, the name and the advertised address of a replica (host_identity.hpp, seed_resolver.hpp).
std::optional<std::string> apply_discovery(node_flags& f, const raw_flags& r) {
  f.config.name = expand_hostname(f.config.name, short_hostname());
  if (f.config.name.empty()) return "--name: empty (after replacing {hostname})";
  f.config.seeds = split_list(r.seeds);
  for (const auto& seed : f.config.seeds)
    if (auto parsed = parse_seed(seed); !parsed) return "--seeds: " + parsed.error().context();
  f.config.membership.seed_refresh_interval = std::chrono::milliseconds(r.seeds_refresh_ms);
  f.config.membership.auto_down_after = std::chrono::milliseconds(r.auto_down_ms);
  if (r.advertise != "auto") return std::nullopt;
  auto advertised = auto_advertise(f.config.transport.listen);
  if (!advertised) return "--advertise: " + advertised.error().context();
  f.config.transport.advertise = *advertised;
  return std::nullopt;
}

/// The transport settings: the profile's, then what the flags override.
std::optional<std::string> apply(node_flags& f, const raw_flags& r) {
  auto& t = f.config.transport;
  t = r.profile == "aggressive" ? transport::transport_config::aggressive() : transport::transport_config::defaults();
  if (!r.listen.empty()) t.listen = r.listen;
  if (auto problem = listen_address_problem(t.listen)) return "--listen: " + *problem;
  if (!r.advertise.empty() && r.advertise != "auto")
    if (auto problem = listen_address_problem(r.advertise)) return "--advertise: " + *problem;
  {
    auto hostport = std::string_view(t.listen).substr(6);  // after tcp://
    auto colon = hostport.rfind(':');
    if (auto busy = port_in_use(hostport.substr(0, colon), hostport.substr(colon + 1))) return "--listen: " + *busy;
  }
  t.advertise = r.advertise;
  if (!r.cookie.empty()) t.cookie = r.cookie;
  t.curve = r.curve;
  if (!r.cookie_file.empty()) {
    std::string error;
    auto cookie = read_cookie_file(r.cookie_file, error);
    if (!cookie) return error;
    t.cookie = *cookie;
  }
  if (auto error = apply_discovery(f, r)) return error;
  if (r.max_queued_mb > 0) t.max_queued_bytes = r.max_queued_mb * 1024 * 1024;
  if (r.busy_limit_kb > 0) t.busy_bytes = r.busy_limit_kb * 1024;
  if (r.heartbeat_ms > 0) t.heartbeat_interval = std::chrono::milliseconds(r.heartbeat_ms);
  if (r.peer_timeout_ms > 0) t.peer_timeout = std::chrono::milliseconds(r.peer_timeout_ms);
  if (r.monitored_by >= 0) t.monitored_by = static_cast<std::size_t>(r.monitored_by);
  f.drain_timeout = std::chrono::milliseconds(r.drain_timeout_ms);
  return std::nullopt;
}

}  // namespace

parse_outcome parse_node_flags(std::string_view program, int argc, char** argv) {
  CLI::App cli{std::string(program) + ": one node of a Troupe cluster", std::string(program)};
  cli.set_version_flag("--version", std::string(program) + " (Troupe) " + std::string(version()));
  node_flags flags;
  raw_flags raw;
  add_options(cli, flags, raw);
  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return {.exit_status = cli.exit(e)};
  } catch (const CLI::CallForAllHelp& e) {
    return {.exit_status = cli.exit(e)};
  } catch (const CLI::CallForVersion& e) {
    return {.exit_status = cli.exit(e)};
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "%.*s: %s\n", int(program.size()), program.data(), e.what());
    return {.exit_status = 2};
  }
  if (auto error = apply(flags, raw)) {
    std::fprintf(stderr, "%.*s: %s\n", int(program.size()), program.data(), error->c_str());
    return {.exit_status = 2};
  }
  return {.flags = std::move(flags)};
}

}  // namespace troupe::app
