#pragma once
/// @file
/// The admin's replies as JSON: one function per reply, shared by `troupectl --json` and the
/// management endpoint (ops/management_endpoint.hpp), so the two print the same figures in
/// the same shape by construction. docs/troupectl.md and docs/management.md show the shapes.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "troupe/ops/admin_messages.hpp"

namespace troupe {

/// Pids as an array of their texts (`"<n1.3.42>"`).
[[nodiscard]] nlohmann::json pids_json(const std::vector<pid>& ps);
/// Members: an array of {name, address, state, creation, self}.
[[nodiscard]] nlohmann::json members_json(const admin_members_reply& r);
/// One process: {pid, status, mailbox, handled, name}.
[[nodiscard]] nlohmann::json process_json(const admin_process& p);
/// The processes: an array of `process_json`.
[[nodiscard]] nlohmann::json processes_json(const admin_ps_reply& r);
/// One process in detail: `process_json` plus trap_exit, links, monitors, monitored_by.
[[nodiscard]] nlohmann::json info_json(const admin_info_reply& r);
/// Names: {local: [{name, pid}], global: [...] or null when the node has no global registry}.
[[nodiscard]] nlohmann::json names_json(const admin_names_reply& r);
/// Process groups: {available, groups: [{name, members}]}.
[[nodiscard]] nlohmann::json groups_json(const admin_groups_reply& r);
/// Global children: an array of {id, node, pid, restarts, failed, last_moved} (node and pid
/// null when it runs nowhere this node can see; last_moved an ISO 8601 UTC time or null).
[[nodiscard]] nlohmann::json children_json(const admin_children_reply& r);
/// The event timeline: {node, last_seq, events: [{seq, time (ISO 8601 UTC), unix_ms, kind,
/// subject, from, to, detail}]} (from, to, detail null when empty).
[[nodiscard]] nlohmann::json events_json(const admin_events_reply& r);
/// One line for people: `2026-11-21T10:49:41.123Z  child.moved  kv  n3 -> n1`, then the detail.
[[nodiscard]] std::string event_text(const admin_event& e);
/// Metrics: an object from each sample's Prometheus id (`name` or `name{label="v"}`) to its value.
[[nodiscard]] nlohmann::json metrics_json(const admin_metrics_reply& r);

/// A Unix time in ms as ISO 8601 UTC with ms (`2026-11-21T10:49:41.123Z`); "-" for 0.
[[nodiscard]] std::string utc_time_text(std::int64_t unix_ms);
/// A sample's Prometheus id: its name, then its labels in braces (values escaped).
[[nodiscard]] std::string metric_id(const admin_metric& m);
/// A sample's value as text: whole numbers without a decimal point (`42`), others as the
/// shortest text that reads back the same (`0.215`).
[[nodiscard]] std::string metric_value_text(double v);
/// The same as JSON: an integer when whole, else a float.
[[nodiscard]] nlohmann::json metric_value_json(double v);

}  // namespace troupe
