#pragma once
/// @file
/// What troupectl's commands share: asking the admin, and printing tables and JSON.

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "troupe/ops/admin_reply_json.hpp"
#include "tools/troupectl/commands.hpp"

namespace troupe::ctl {

using nlohmann::json;
using row = std::vector<std::string>;

inline void print_table(const row& header, const std::vector<row>& rows) {
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

inline void print_json(const json& j) { std::cout << j.dump(2) << '\n'; }

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

inline int done_or_report(const admin_done& d, context& c) {
  if (!d.ok) return report(d.error, exit_failed);
  if (c.json) print_json({{"ok", true}});
  return exit_ok;
}

inline std::optional<pid> parse_pid(const std::string& text) {
  auto p = pid::parse(text);
  if (!p) {
    report("'" + text + "' is not a pid (expected <node.creation.serial>)", exit_unreachable);
    return std::nullopt;
  }
  return p;
}

using troupe::pids_json;  // ops/admin_reply_json.hpp

/// TEXT as a pid, or the pid registered under the name TEXT (local, then global) on the node of
/// `c`. None (reported, with `status` set) when it is neither.
inline std::optional<pid> resolve_target(context& c, const std::string& text, int& status) {
  if (auto p = pid::parse(text)) return p;
  if (text.starts_with('<')) {
    status = report("'" + text + "' is not a pid (expected <node.creation.serial>)", exit_unreachable);
    return std::nullopt;
  }
  auto r = ask<admin_whereis_reply>(c, admin_whereis{text});
  if (!r) {
    status = exit_unreachable;
    return std::nullopt;
  }
  if (r->where.is_null()) {
    status = report("no process is registered as '" + text + "'", exit_failed);
    return std::nullopt;
  }
  return r->where;
}

/// The member called `name`, as the node of `c` sees it (reports when there is none).
inline std::optional<admin_member> find_member(context& c, const std::string& name) {
  auto r = ask<admin_members_reply>(c, admin_members{});
  if (!r) return std::nullopt;
  for (auto& m : r->members)
    if (m.name == name) return m;
  report("no member named '" + name + "' on " + c.node.name, exit_failed);
  return std::nullopt;
}

}  // namespace troupe::ctl
