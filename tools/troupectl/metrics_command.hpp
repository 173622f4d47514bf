#pragma once
/// @file
/// `troupectl metrics`: the node's counters and gauges — the same figures as its management
/// endpoint's /metrics (ops/admin_metrics.hpp, docs/management.md).

#include "tools/troupectl/commands.hpp"

namespace troupe::ctl {

/// Prints each figure and its value (`--json`: an object from each Prometheus id to its value,
/// exactly the endpoint's /metrics.json).
int metrics(context& c);

}  // namespace troupe::ctl
