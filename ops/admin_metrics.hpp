#pragma once
/// @file
/// A node's figures for operators: what the admin process answers to `admin_metrics`, which
/// `troupectl metrics` prints and the management endpoint serves as /metrics (Prometheus text)
/// and /metrics.json. Every reader renders the same `admin_metrics_reply`, so they agree.
///
/// The figures (docs/management.md lists each name): the transport's counters (messages and
/// bytes in and out, refusals and drops, malformed input, peers lost, failure-detection times),
/// the runtime's (dead letters, unhandled messages, processes, the largest mailbox and the
/// largest mailbox high-water mark of the live processes), members by state, and the global
/// supervisor's children.

#include <string>

#include "troupe/ops/admin_messages.hpp"

namespace troupe {

class cluster_node;
class global_supervisor;

/// The figures of `n` now. `supervisor` may be null (no global supervisor on this node). Reads
/// counters and snapshots only: safe inside a process handler.
[[nodiscard]] admin_metrics_reply collect_metrics(cluster_node& n, const global_supervisor* supervisor);

/// The figures in the Prometheus text exposition format (version 0.0.4): a HELP and a TYPE
/// line per name, then its samples.
[[nodiscard]] std::string prometheus_text(const admin_metrics_reply& r);

}  // namespace troupe
