#include "tools/troupectl/children_commands.hpp"

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "troupe/ops/admin_json.hpp"
#include "troupe/ops/admin_reply_json.hpp"
#include "tools/troupectl/output.hpp"

namespace troupe::ctl {

int children(context& c) {
  auto r = ask<admin_children_reply>(c, admin_children{});
  if (!r) return exit_unreachable;
  if (!r->available) return report("this node runs no global supervisor", exit_failed);
  if (c.json) {
    print_json(children_json(*r));  // ops/admin_reply_json.hpp: the management endpoint prints the same
    return exit_ok;
  }
  std::vector<row> rows;
  auto where = [](const admin_child& ch) -> std::string {
    if (!ch.node.empty()) return ch.node;
    if (ch.failed) return "(failed)";
    return ch.waiting.empty() ? "(not running)" : "(waiting: " + ch.waiting + ")";
  };
  for (auto& ch : r->children)
    rows.push_back({ch.id, where(ch),
                    ch.node.empty() ? "-" : ch.child.to_string(), std::to_string(ch.restarts), utc_time_text(ch.last_moved_ms),
                    ch.has_snapshot ? fmt::format("{} B {:08x}", ch.snapshot_bytes, ch.snapshot_digest >> 32) : "-"});
  // SNAPSHOT HERE: the snapshot this node holds (the owner's own, or the successor's copy).
  print_table({"ID", "NODE", "PID", "RESTARTS", "LAST MOVED", "SNAPSHOT HERE"}, rows);
  return exit_ok;
}

int start_child(context& c, const child_args& a) {
  admin_start_child req{a.id, a.type, {}, a.name, a.restart, a.preferred, a.pinned};
  if (!a.args.empty()) {
    auto j = json::parse(a.args, nullptr, false);
    if (j.is_discarded()) return report("--args is not JSON: " + a.args, exit_unreachable);
    req.args = to_msgpack(j);
  }
  auto r = ask<admin_done>(c, std::move(req));
  return r ? done_or_report(*r, c) : exit_unreachable;
}

int stop_child(context& c, const std::string& id) {
  auto r = ask<admin_done>(c, admin_stop_child{id});
  return r ? done_or_report(*r, c) : exit_unreachable;
}

int drain(context& c, const std::string& named, int wait_ms) {
  const std::string& member = named.empty() ? c.node.name : named;  // none named: the node we reach
  auto members = ask<admin_members_reply>(c, admin_members{});
  if (!members) return exit_unreachable;
  const admin_member* drained = nullptr;
  const admin_member* watcher = nullptr;  // another member to watch the drained one from
  for (auto& m : members->members) {
    if (m.name == member) drained = &m;
    else if (m.state == "up" && (!watcher || m.name == c.node.name)) watcher = &m;
  }
  if (!drained) return report("no member named '" + member + "' on " + c.node.name, exit_failed);
  auto target = drained->name == c.node.name ? result<ctl::target>(c.node) : c.client.connect(drained->address);
  if (!target) return report(target.error().context(), exit_unreachable);
  context dc{c.client, *target, c.json};
  auto r = ask<admin_done>(dc, admin_drain{});
  if (!r) return exit_unreachable;
  if (!r->ok) return report(r->error, exit_failed);
  if (!c.json) std::cout << member << ": draining\n";
  if (!watcher) return exit_ok;  // nobody else to watch from: the node stops on its own
  auto w = watcher->name == c.node.name ? result<ctl::target>(c.node) : c.client.connect(watcher->address);
  if (!w) return report(w.error().context(), exit_unreachable);
  context wc{c.client, *w, c.json};
  // Poll the watcher until the drained node has left (a deadline wait for an outside process).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  for (;;) {
    auto now_members = ask<admin_members_reply>(wc, admin_members{});
    if (!now_members) return exit_unreachable;
    bool gone = true;
    for (auto& m : now_members->members)
      if (m.name == member && (m.state == "up" || m.state == "suspect" || m.state == "joining")) gone = false;
    if (gone) break;
    if (std::chrono::steady_clock::now() > deadline)
      return report(member + " is still a member after " + std::to_string(wait_ms) + " ms", exit_failed);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!c.json) std::cout << member << ": left; the global children now run here:\n";
  return children(wc);
}

}  // namespace troupe::ctl
