#include "tools/troupectl/commands.hpp"

#include <algorithm>
#include <iostream>
#include <thread>
#include <vector>

#include "troupe/ops/admin.hpp"
#include "troupe/ops/admin_json.hpp"
#include "troupe/ops/admin_reply_json.hpp"
#include "tools/troupectl/output.hpp"

namespace troupe::ctl {
namespace {

using nlohmann::json;
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
    print_json(members_json(r));  // ops/admin_reply_json.hpp: the management endpoint prints the same
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
    print_json(processes_json(r));
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
}  // namespace

int report(const std::string& what, int status) {
  std::cerr << "troupectl: " << what << '\n';
  return status;
}

int members(context& c) {
  auto r = ask<admin_members_reply>(c, admin_members{});
  return r ? print_members(c, *r) : exit_unreachable;
}

int events(context& c, std::uint32_t limit, bool follow) {
  auto r = ask<admin_events_reply>(c, admin_events{.after = 0, .limit = limit});
  if (!r) return exit_unreachable;
  auto print = [&](const admin_events_reply& reply, bool lines) {
    if (c.json && lines) {
      for (auto& e : events_json(reply)["events"]) std::cout << e.dump() << '\n';
    } else if (c.json) {
      print_json(events_json(reply));
    } else {
      for (auto& e : reply.events) std::cout << event_text(e) << '\n';
    }
    std::cout.flush();
  };
  print(*r, follow);
  // Follow: ask for what came after the newest event seen, twice a second (events are rare).
  for (auto last = r->last_seq; follow;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto next = ask<admin_events_reply>(c, admin_events{.after = last, .limit = 0});
    if (!next) return exit_unreachable;
    print(*next, true);
    last = next->last_seq;
  }
  return exit_ok;
}

int down(context& c, const std::string& node) {
  auto r = ask<admin_done>(c, admin_down{node});
  if (!r) return exit_unreachable;
  if (r->ok && !c.json) std::cout << node << ": removed from the cluster\n";
  return done_or_report(*r, c);
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
    print_json(names_json(*r));
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
    print_json(groups_json(*r));
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

int info(context& c, const std::string& target) {
  int status = exit_ok;
  auto p = resolve_target(c, target, status);
  if (!p) return status;
  // A process of another member: ask that member's admin (info is local to each node).
  if (const auto& owner = node_name(p->node); owner != c.node.name) {
    auto m = find_member(c, owner);
    if (!m) return exit_failed;
    auto other = c.client.connect(m->address);
    if (!other) return report(other.error().context(), exit_unreachable);
    context oc{c.client, *other, c.json};
    return info(oc, p->to_string());
  }
  auto r = ask<admin_info_reply>(c, admin_info{*p});
  if (!r) return exit_unreachable;
  if (!r->found) return report("no process " + p->to_string() + " on " + c.node.name, exit_failed);
  json j = info_json(*r);
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
  if (!r->ok) return report("call to " + target + " failed: " + r->error, exit_failed);
  return print_reply(c, *r);
}

int kill(context& c, const std::string& target, const std::string& reason) {
  int status = exit_ok;
  auto p = resolve_target(c, target, status);
  if (!p) return status;
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
