#include "tools/troupectl/metrics_command.hpp"

#include <algorithm>
#include <iostream>

#include "troupe/ops/admin_reply_json.hpp"

namespace troupe::ctl {

int metrics(context& c) {
  auto r = c.client.call<admin_metrics_reply>(c.node, admin_metrics{});
  if (!r) return report(r.error().context().empty() ? r.error().message() : r.error().context(), exit_unreachable);
  if (c.json) {
    std::cout << metrics_json(*r).dump(2) << '\n';
    return exit_ok;
  }
  std::size_t width = 6;
  for (auto& m : r->metrics) width = std::max(width, metric_id(m).size());
  std::cout << "METRIC" << std::string(width - 6 + 2, ' ') << "VALUE\n";
  for (auto& m : r->metrics) {
    auto id = metric_id(m);
    std::cout << id << std::string(width - id.size() + 2, ' ') << metric_value_text(m.value) << '\n';
  }
  return exit_ok;
}

}  // namespace troupe::ctl
