#include "troupe/ops/admin_reply_json.hpp"

#include <cmath>
#include <ctime>

#include <fmt/format.h>

namespace troupe {

using nlohmann::json;

namespace {

json name_list_json(const std::vector<admin_name>& ns) {
  json out = json::array();
  for (auto& n : ns) out.push_back({{"name", n.name}, {"pid", n.holder.to_string()}});
  return out;
}

std::string digest_text(std::uint64_t d) { return fmt::format("{:016x}", d); }

json child_json(const admin_child& ch) {
  bool placed = !ch.node.empty();
  return {{"id", ch.id},
          {"node", placed ? json(ch.node) : json(nullptr)},
          {"pid", placed ? json(ch.child.to_string()) : json(nullptr)},
          {"restarts", ch.restarts},
          {"failed", ch.failed},
          {"waiting", ch.waiting.empty() ? json(nullptr) : json(ch.waiting)},
          {"last_moved", ch.last_moved_ms == 0 ? json(nullptr) : json(utc_time_text(ch.last_moved_ms))},
          {"snapshot", ch.has_snapshot ? json{{"bytes", ch.snapshot_bytes}, {"digest", digest_text(ch.snapshot_digest)}}
                                       : json(nullptr)}};
}

/// Prometheus label value escaping: backslash, double quote and newline.
std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    out += c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  return out;
}

}  // namespace

json pids_json(const std::vector<pid>& ps) {
  json out = json::array();
  for (auto& p : ps) out.push_back(p.to_string());
  return out;
}

json members_json(const admin_members_reply& r) {
  json out = json::array();
  for (auto& m : r.members)
    out.push_back({{"name", m.name}, {"address", m.address}, {"state", m.state}, {"creation", m.creation}, {"self", m.self}});
  return out;
}

json process_json(const admin_process& p) {
  return {{"pid", p.self.to_string()},   {"status", p.status},
          {"mailbox", p.mailbox_length}, {"handled", p.messages_handled},
          {"name", p.registered_name}};
}

json processes_json(const admin_ps_reply& r) {
  json out = json::array();
  for (auto& p : r.processes) out.push_back(process_json(p));
  return out;
}

json info_json(const admin_info_reply& r) {
  json j = process_json(r.process);
  j["trap_exit"] = r.trap_exit;
  j["links"] = pids_json(r.links);
  j["monitors"] = pids_json(r.monitors);
  j["monitored_by"] = pids_json(r.monitored_by);
  return j;
}

json names_json(const admin_names_reply& r) {
  return {{"local", name_list_json(r.local)}, {"global", r.global_available ? name_list_json(r.global) : json(nullptr)}};
}

json groups_json(const admin_groups_reply& r) {
  json gs = json::array();
  for (auto& g : r.groups) gs.push_back({{"name", g.name}, {"members", pids_json(g.members)}});
  return {{"available", r.available}, {"groups", gs}};
}

json children_json(const admin_children_reply& r) {
  json out = json::array();
  for (auto& ch : r.children) out.push_back(child_json(ch));
  return out;
}

json events_json(const admin_events_reply& r) {
  auto or_null = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  json events = json::array();
  for (auto& e : r.events)
    events.push_back({{"seq", e.seq}, {"time", utc_time_text(e.unix_ms)}, {"unix_ms", e.unix_ms}, {"kind", e.kind},
                      {"subject", or_null(e.subject)}, {"from", or_null(e.from)}, {"to", or_null(e.to)},
                      {"detail", or_null(e.detail)}});
  return {{"node", r.node}, {"last_seq", r.last_seq}, {"events", std::move(events)}};
}

std::string event_text(const admin_event& e) {
  std::string line = utc_time_text(e.unix_ms) + "  " + e.kind;
  if (!e.subject.empty()) line += "  " + e.subject;
  if (!e.from.empty() && !e.to.empty() && e.from != e.to) line += "  " + e.from + " -> " + e.to;
  else if (!e.to.empty()) line += "  on " + e.to;
  else if (!e.from.empty()) line += "  on " + e.from;
  if (!e.detail.empty()) line += "  (" + e.detail + ")";
  return line;
}

json metrics_json(const admin_metrics_reply& r) {
  json out = json::object();
  for (auto& m : r.metrics) out[metric_id(m)] = metric_value_json(m.value);
  return out;
}

namespace {
/// Whole and exactly representable: printed and sent as an integer.
bool whole(double v) { return v == std::trunc(v) && std::fabs(v) < 9007199254740992.0; }
}  // namespace

std::string metric_value_text(double v) {
  if (whole(v)) return fmt::format("{}", static_cast<std::int64_t>(v));
  return fmt::format("{}", v);
}

json metric_value_json(double v) {
  if (!whole(v)) return v;
  if (v >= 0) return static_cast<std::uint64_t>(v);
  return static_cast<std::int64_t>(v);
}

std::string utc_time_text(std::int64_t ms) {
  if (ms == 0) return "-";
  std::time_t t = ms / 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return std::string(buf) + "." + std::to_string(1000 + ms % 1000).substr(1) + "Z";
}

std::string metric_id(const admin_metric& m) {
  if (m.labels.empty()) return m.name;
  std::string out = m.name + "{";
  bool first = true;
  for (auto& [k, v] : m.labels) {
    out += (first ? "" : ",") + k + "=\"" + escape_label(v) + "\"";
    first = false;
  }
  return out + "}";
}

}  // namespace troupe
