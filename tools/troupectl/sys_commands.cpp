#include "tools/troupectl/sys_commands.hpp"

#include <ctime>
#include <iostream>
#include <string>
#include <vector>

#include "troupe/ops/admin_json.hpp"
#include "troupe/node/sys_messages.hpp"

namespace troupe::ctl {
namespace {

using nlohmann::json;

/// What the sys subcommands were given (one troupectl run runs one command).
struct sys_cli {
  std::string target;
  std::string new_state;
  std::uint32_t capacity = 0;
  bool log = false;
  bool clear = false;
};

sys_cli& given() {
  static sys_cli o;
  return o;
}

void print_json(const json& j) { std::cout << j.dump(2) << '\n'; }

/// Calls `target` with the sys request `req` through the admin and decodes the answer as a
/// `Resp`. On failure reports it and returns nothing; `status` then holds the exit status.
template <class Resp, class Req>
std::optional<Resp> sys_call(context& c, const std::string& target, const Req& req, int& status) {
  msgpack::sbuffer body;
  msgpack::pack(body, req);
  auto timeout = c.client.options().timeout;
  admin_call call{target, std::string(type_of<Req>().name), packed_value{{body.data(), body.data() + body.size()}},
                  static_cast<std::uint32_t>(timeout.count())};
  // The admin waits the timeout for the target; we wait a little longer for the admin.
  auto r = c.client.call<admin_call_reply>(c.node, std::move(call), std::chrono::seconds(1));
  if (!r) {
    status = report(r.error().context().empty() ? r.error().message() : r.error().context(), exit_unreachable);
    return std::nullopt;
  }
  if (!r->ok) {
    status = report(r->error, exit_failed);
    return std::nullopt;
  }
  if (r->type != type_of<Resp>().name) {
    status = report("the process answered with '" + r->type + "', not '" + std::string(type_of<Resp>().name) + "'",
                    exit_failed);
    return std::nullopt;
  }
  try {
    auto h = msgpack::unpack(r->body.bytes.data(), r->body.bytes.size());
    return h.get().as<Resp>();
  } catch (const std::exception& ex) {
    status = report("the answer (" + r->type + ") does not decode: " + ex.what(), exit_failed);
    return std::nullopt;
  }
}

int print_done(context& c, const std::optional<sys::done_reply>& d, int status) {
  if (!d) return status;
  if (!d->ok) return report(d->error, exit_failed);
  if (c.json) print_json({{"ok", true}});
  return exit_ok;
}

int print_state(context& c, const std::optional<sys::state_reply>& s, int status) {
  if (!s) return status;
  if (!s->ok) return report(s->error, exit_failed);
  packed_value v{s->state.bytes};
  auto j = to_json(v);
  if (!j) return report("the state does not decode: " + j.error().message(), exit_failed);
  if (c.json)
    print_json({{"target", given().target}, {"state", *j}});
  else
    std::cout << j->dump() << '\n';
  return exit_ok;
}

/// µs since the epoch as UTC "YYYY-MM-DD HH:MM:SS.uuuuuu".
std::string time_text(std::int64_t us) {
  std::time_t secs = static_cast<std::time_t>(us / 1'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%06lld", static_cast<long long>(us % 1'000'000));
  return buf;
}

json statistics_json(const sys::process_statistics& s) {
  return {{"status", s.status},
          {"started_at", time_text(s.started_at_us)},
          {"uptime_s", static_cast<double>(s.now_us - s.started_at_us) / 1e6},
          {"messages_received", s.messages_received},
          {"messages_handled", s.messages_handled},
          {"messages_sent", s.messages_sent},
          {"turns", s.turns},
          {"mailbox_length", s.mailbox_length},
          {"mailbox_high_water", s.mailbox_high_water},
          {"tracing", s.tracing}};
}

int stats(context& c) {
  int status = exit_ok;
  auto s = sys_call<sys::process_statistics>(c, given().target, sys::statistics_request{}, status);
  if (!s) return status;
  json j = statistics_json(*s);
  if (c.json) {
    print_json(j);
    return exit_ok;
  }
  for (auto& [k, v] : j.items()) std::cout << k << std::string(k.size() < 20 ? 20 - k.size() : 1, ' ')
                                           << (v.is_string() ? v.get<std::string>() : v.dump()) << '\n';
  return exit_ok;
}

json trace_json(const sys::trace_reply& t) {
  json events = json::array();
  for (auto& e : t.events)
    events.push_back({{"time", time_text(e.time_us)},
                      {"time_us", e.time_us},
                      {"direction", e.direction},
                      {"peer", e.peer.to_string()},
                      {"type", e.type},
                      {"kind", e.kind}});
  return {{"enabled", t.enabled}, {"dropped", t.dropped}, {"events", events}};
}

int trace_show(context& c) {
  int status = exit_ok;
  auto t = sys_call<sys::trace_reply>(c, given().target, sys::get_trace_request{given().clear}, status);
  if (!t) return status;
  if (c.json) {
    print_json(trace_json(*t));
    return exit_ok;
  }
  std::cout << "trace " << (t->enabled ? "on" : "off") << ", " << t->events.size() << " events"
            << (t->dropped ? ", " + std::to_string(t->dropped) + " older ones dropped" : "") << '\n';
  for (auto& e : t->events)
    std::cout << time_text(e.time_us) << "  " << (e.direction == "in" ? "in  <- " : "out -> ") << e.peer.to_string()
              << "  " << e.type << " (" << e.kind << ")\n";
  return exit_ok;
}

int replace_state(context& c) {
  auto j = json::parse(given().new_state, nullptr, false);
  if (j.is_discarded()) return report("the new state is not JSON: " + given().new_state, exit_unreachable);
  packed_value packed = to_msgpack(j);
  int status = exit_ok;
  auto s = sys_call<sys::state_reply>(c, given().target, sys::replace_state_request{msgpack_value{packed.bytes}}, status);
  return print_state(c, s, status);
}

CLI::App* subcommand(CLI::App* parent, bool& json, const std::string& name, const std::string& help) {
  auto* sub = parent->add_subcommand(name, help);
  sub->add_flag("--json", json, "print JSON");
  sub->add_option("target", given().target, "a pid <n.c.s> (of any member) or a registered name")->required();
  return sub;
}

/// Runs whichever subcommand of `parent` was given.
int run_chosen(CLI::App* parent, std::map<CLI::App*, std::function<int(context&)>>& table, context& c) {
  auto chosen = parent->get_subcommands();
  if (chosen.empty()) return report(parent->help(), exit_unreachable);
  return table.at(chosen.front())(c);
}

}  // namespace

void add_sys_commands(CLI::App& app, bool& json, std::map<CLI::App*, std::function<int(context&)>>& run) {
  auto* sys_app = app.add_subcommand("sys", "debug a live process: state, suspend/resume, statistics, trace");
  sys_app->require_subcommand(1);
  // Owned here for the program's life: one troupectl run parses one command line.
  static std::map<CLI::App*, std::function<int(context&)>> table;
  auto& o = given();

  table[subcommand(sys_app, json, "state", "print the process's state as JSON")] = [](context& c) {
    int status = exit_ok;
    auto s = sys_call<sys::state_reply>(c, given().target, sys::get_state_request{}, status);
    return print_state(c, s, status);
  };
  auto* rs = subcommand(sys_app, json, "replace-state", "replace the process's state; prints the new one");
  rs->add_option("state", o.new_state, "the new state, as JSON (a struct is an array of its fields)")->required();
  table[rs] = replace_state;
  table[subcommand(sys_app, json, "suspend", "stop it handling messages (they stay queued, in order)")] = [](context& c) {
    int status = exit_ok;
    return print_done(c, sys_call<sys::done_reply>(c, given().target, sys::suspend_request{}, status), status);
  };
  table[subcommand(sys_app, json, "resume", "let a suspended process handle its messages again")] = [](context& c) {
    int status = exit_ok;
    return print_done(c, sys_call<sys::done_reply>(c, given().target, sys::resume_request{}, status), status);
  };
  table[subcommand(sys_app, json, "stats", "messages received, handled and sent, mailbox high water...")] = stats;

  auto* tr = sys_app->add_subcommand("trace", "record the messages a process receives and sends");
  tr->require_subcommand(1);
  auto* on = subcommand(tr, json, "on", "start a fresh trace");
  on->add_option("--capacity", o.capacity, "events kept, the oldest dropped first (default 256, at most 65536)");
  on->add_flag("--log", o.log, "also print each event in the node's log");
  table[on] = [](context& c) {
    int status = exit_ok;
    auto d = sys_call<sys::done_reply>(c, given().target, sys::trace_request{true, given().capacity, given().log}, status);
    return print_done(c, d, status);
  };
  table[subcommand(tr, json, "off", "stop tracing (what was recorded stays readable)")] = [](context& c) {
    int status = exit_ok;
    return print_done(c, sys_call<sys::done_reply>(c, given().target, sys::trace_request{false, 0, false}, status), status);
  };
  auto* show = subcommand(tr, json, "show", "print the recorded events, oldest first");
  show->add_flag("--clear", o.clear, "empty the trace afterwards");
  table[show] = trace_show;
  table[tr] = [tr](context& c) { return run_chosen(tr, table, c); };

  run[sys_app] = [sys_app](context& c) { return run_chosen(sys_app, table, c); };
}

}  // namespace troupe::ctl
