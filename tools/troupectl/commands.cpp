#include "tools/troupectl/commands.hpp"

#include <algorithm>
#include <iostream>
#include <vector>

#include "cluster/admin.hpp"
#include "cluster/admin_json.hpp"

namespace troupe::ctl {
namespace {

using nlohmann::json;
using row = std::vector<std::string>;

void print_table(const row& header, const std::vector<row>& rows) {
  std::vector<std::size_t> width(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  auto line = [&](const row& r) {
    std::string out;
    for (std::size_t i = 0; i < r.size(); ++i)
      out += i + 1 == r.size() ? r[i] : r[i] + std::string(width[i] - r[i].size() + 2, ' ');
    std::cout << out << '\n';
  };
  line(header);
  for (auto& r : rows) line(r);
}

void print_json(const json& j) { std::cout << j.dump(2) << '\n'; }

/// Calls the admin; on failure reports it (exit 2: we could not talk to the node).
template <class Resp, class Req>
std::optional<Resp> ask(context& c, Req req, duration extra = {}) {
  auto r = c.client.call<Resp>(c.node, std::move(req), extra);
  if (!r) {
    report(r.error().context().empty() ? r.error().message() : r.error().context(), exit_unreachable);
    return std::nullopt;
  }
  return std::move(*r);
}

int done_or_report(const admin_done& d, context& c) {
  if (!d.ok) return report(d.error, exit_failed);
  if (c.json) print_json({{"ok", true}});
  return exit_ok;
}

std::optional<pid> parse_pid(const std::string& text) {
  auto p = pid::parse(text);
  if (!p) {
    report("'" + text + "' is not a pid (expected <node.creation.serial>)", exit_unreachable);
    return std::nullopt;
  }
  return p;
}

json pids_json(const std::vector<pid>& ps) {
  json out = json::array();
  for (auto& p : ps) out.push_back(p.to_string());
  return out;
}

json process_json(const admin_process& p) {
  return {{"pid", p.self.to_string()},          {"status", p.status},
          {"mailbox", p.mailbox_length},        {"handled", p.messages_handled},
          {"name", p.registered_name}};
}

json names_json(const std::vector<admin_name>& ns) {
  json out = json::array();
  for (auto& n : ns) out.push_back({{"name", n.name}, {"pid", n.holder.to_string()}});
  return out;
}

void add_name_rows(std::vector<row>& rows, const std::vector<admin_name>& ns, const std::string& scope) {
  for (auto& n : ns) rows.push_back({n.name, n.holder.to_string(), scope});
}

/// The message the user described, ready for the admin.
result<wire_message> build(const message_args& m) {
  if (!m.type.empty()) {
    auto args = json::parse(m.args.empty() ? "null" : m.args, nullptr, false);
    if (args.is_discarded()) return fail(errc::invalid_argument, "--args is not JSON: " + m.args);
    return typed_message_from_json(m.type, args);
  }
  if (m.message.empty()) return fail(errc::invalid_argument, "give a message (JSON) or --type");
  auto v = json::parse(m.message, nullptr, false);
  return message_from_json(v.is_discarded() ? json(m.message) : v);
}

int print_members(context& c, const admin_members_reply& r) {
  if (c.json) {
    json out = json::array();
    for (auto& m : r.members)
      out.push_back({{"name", m.name}, {"address", m.address}, {"state", m.state}, {"creation", m.creation}, {"self", m.self}});
    print_json(out);
    return exit_ok;
  }
  std::vector<row> rows;
  for (auto& m : r.members)
    rows.push_back({m.name + (m.self ? " *" : ""), m.address, m.state, std::to_string(m.creation)});
  print_table({"NAME", "ADDRESS", "STATE", "CREATION"}, rows);
  return exit_ok;
}

int print_ps(context& c, const admin_ps_reply& r) {
  if (c.json) {
    json out = json::array();
    for (auto& p : r.processes) out.push_back(process_json(p));
    print_json(out);
    return exit_ok;
  }
  std::vector<row> rows;
  for (auto& p : r.processes)
    rows.push_back({p.self.to_string(), p.status, std::to_string(p.mailbox_length), std::to_string(p.messages_handled),
                    p.registered_name});
  print_table({"PID", "STATUS", "MAILBOX", "HANDLED", "NAME"}, rows);
  return exit_ok;
}

int print_reply(context& c, const admin_call_reply& r) {
  auto v = message_to_json(r.type, r.body);
  if (!v) return report("the reply (" + r.type + ") does not decode: " + v.error().message(), exit_failed);
  if (c.json)
    print_json({{"type", r.type}, {"reply", *v}});
  else
    std::cout << r.type << ' ' << v->dump() << '\n';
  return exit_ok;
}

/// The member named `name`, as this node sees it.
std::optional<admin_member> find_member(context& c, const std::string& name) {
  auto r = ask<admin_members_reply>(c, admin_members{});
  if (!r) return std::nullopt;
  for (auto& m : r->members)
    if (m.name == name) return m;
  report("no member named '" + name + "' on " + c.node.name, exit_failed);
  return std::nullopt;
}

}  // namespace

int report(const std::string& what, int status) {
  std::cerr << "troupectl: " << what << '\n';
  return status;
}

int members(context& c) {
  auto r = ask<admin_members_reply>(c, admin_members{});
  return r ? print_members(c, *r) : exit_unreachable;
}

int whereis(context& c, const std::string& name) {
  auto r = ask<admin_whereis_reply>(c, admin_whereis{name});
  if (!r) return exit_unreachable;
  if (r->where.is_null()) return report("no process is registered as '" + name + "'", exit_failed);
  if (c.json)
    print_json({{"name", name}, {"pid", r->where.to_string()}, {"scope", r->scope}});
  else
    std::cout << r->where.to_string() << '\n';
  return exit_ok;
}

int names(context& c) {
  auto r = ask<admin_names_reply>(c, admin_names{});
  if (!r) return exit_unreachable;
  if (c.json) {
    print_json({{"local", names_json(r->local)}, {"global", r->global_available ? names_json(r->global) : json(nullptr)}});
    return exit_ok;
  }
  std::vector<row> rows;
  add_name_rows(rows, r->local, "local");
  add_name_rows(rows, r->global, "global");
  print_table({"NAME", "PID", "SCOPE"}, rows);
  if (!r->global_available) std::cout << "(global names: not available on this node)\n";
  return exit_ok;
}

int groups(context& c) {
  auto r = ask<admin_groups_reply>(c, admin_groups{});
  if (!r) return exit_unreachable;
  if (c.json) {
    json gs = json::array();
    for (auto& g : r->groups) gs.push_back({{"name", g.name}, {"members", pids_json(g.members)}});
    print_json({{"available", r->available}, {"groups", gs}});
    return exit_ok;
  }
  if (!r->available) {
    std::cout << "process groups: not available on this node\n";
    return exit_ok;
  }
  std::vector<row> rows;
  for (auto& g : r->groups) rows.push_back({g.name, pids_json(g.members).dump()});
  print_table({"GROUP", "MEMBERS"}, rows);
  return exit_ok;
}

int ps(context& c, const std::string& member) {
  if (member.empty() || member == c.node.name) {
    auto r = ask<admin_ps_reply>(c, admin_ps{});
    return r ? print_ps(c, *r) : exit_unreachable;
  }
  auto m = find_member(c, member);
  if (!m) return exit_failed;
  auto other = c.client.connect(m->address);
  if (!other) return report(other.error().context(), exit_unreachable);
  context oc{c.client, *other, c.json};
  return ps(oc, member);
}

int info(context& c, const std::string& pid_text) {
  auto p = parse_pid(pid_text);
  if (!p) return exit_unreachable;
  auto r = ask<admin_info_reply>(c, admin_info{*p});
  if (!r) return exit_unreachable;
  if (!r->found) return report("no process " + pid_text + " on " + c.node.name, exit_failed);
  json j = process_json(r->process);
  j["trap_exit"] = r->trap_exit;
  j["links"] = pids_json(r->links);
  j["monitors"] = pids_json(r->monitors);
  j["monitored_by"] = pids_json(r->monitored_by);
  if (c.json) {
    print_json(j);
    return exit_ok;
  }
  std::vector<row> rows;
  for (auto& [k, v] : j.items()) rows.push_back({k, v.is_string() ? v.get<std::string>() : v.dump()});
  print_table({"FIELD", "VALUE"}, rows);
  return exit_ok;
}

int send(context& c, const std::string& target, const message_args& m) {
  auto msg = build(m);
  if (!msg) return report(msg.error().context(), exit_unreachable);
  auto r = ask<admin_done>(c, admin_send{target, msg->type, msg->body});
  return r ? done_or_report(*r, c) : exit_unreachable;
}

int call(context& c, const std::string& target, const message_args& m) {
  auto msg = build(m);
  if (!msg) return report(msg.error().context(), exit_unreachable);
  auto timeout = c.client.options().timeout;
  admin_call req{target, msg->type, msg->body, static_cast<std::uint32_t>(timeout.count())};
  // The admin waits the timeout for the target; we wait a little longer for the admin.
  auto r = ask<admin_call_reply>(c, std::move(req), std::chrono::seconds(1));
  if (!r) return exit_unreachable;
  if (!r->ok) return report(r->error, exit_failed);
  return print_reply(c, *r);
}

int kill(context& c, const std::string& pid_text, const std::string& reason) {
  auto p = parse_pid(pid_text);
  if (!p) return exit_unreachable;
  auto r = ask<admin_done>(c, admin_kill{*p, reason});
  return r ? done_or_report(*r, c) : exit_unreachable;
}

int register_name(context& c, const std::string& name, const std::string& pid_text) {
  auto p = parse_pid(pid_text);
  if (!p) return exit_unreachable;
  auto r = ask<admin_done>(c, admin_register{name, *p});
  return r ? done_or_report(*r, c) : exit_unreachable;
}

int spawn(context& c, const std::string& type, const std::string& args, const std::string& name) {
  packed_value packed;
  if (!args.empty()) {
    auto j = json::parse(args, nullptr, false);
    if (j.is_discarded()) return report("--args is not JSON: " + args, exit_unreachable);
    packed = to_msgpack(j);
  }
  auto p = c.client.spawn(c.node, type, packed);
  if (!p) return report("spawn " + type + " on " + c.node.name + ": " + p.error().message(), exit_failed);
  if (!name.empty()) {
    auto r = ask<admin_done>(c, admin_register{name, *p});
    if (!r) return exit_unreachable;
    if (!r->ok) return report("spawned " + p->to_string() + " but could not name it: " + r->error, exit_failed);
  }
  if (c.json)
    print_json({{"pid", p->to_string()}, {"type", type}, {"name", name.empty() ? json(nullptr) : json(name)}});
  else
    std::cout << p->to_string() << '\n';
  return exit_ok;
}

}  // namespace troupe::ctl
