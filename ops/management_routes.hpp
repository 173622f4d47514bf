#pragma once
/// @file
/// `management_routes`: what each path of the management endpoint answers (the HTTP server
/// itself is management_endpoint.hpp). Every answer comes from the node's admin process
/// (admin_caller.hpp) rendered by the same functions as `troupectl --json`
/// (admin_reply_json.hpp, admin_metrics.hpp), so the endpoint and troupectl agree.
///
/// | path            | answer                                                              |
/// |-----------------|---------------------------------------------------------------------|
/// | /               | the live cluster page (ops/live_page.html)                      |
/// | /health         | {status, node, creation}; 503 when the admin does not answer        |
/// | /cluster        | the members as this node sees them (`troupectl members --json`)     |
/// | /cluster/views  | each reachable member's own member list and metrics: who sees whom  |
/// | /processes      | `troupectl ps --json`                                               |
/// | /names          | `troupectl names --json`                                            |
/// | /groups         | `troupectl groups --json`                                           |
/// | /children       | `troupectl children --json`; 404 without a global supervisor        |
/// | /events         | the node's event timeline (`troupectl events --json`); ?after=SEQ   |
/// | /metrics        | Prometheus text; /metrics.json is `troupectl metrics --json`        |
///
/// The one write, `POST /cluster/members/NAME/down` (when the endpoint allows writes, see
/// management_endpoint.hpp), removes a member that is down, as `troupectl down NAME`: 200
/// {removed}, 409 when the admin refuses (the member is up, unknown, or this node).

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "troupe/ops/admin_caller.hpp"

namespace troupe {

/// An HTTP answer, before it is framed.
struct http_answer {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
};

class management_routes {
 public:
  /// `callers`: how many requests may ask the admin at once (one caller process each).
  management_routes(cluster_node& n, std::size_t callers, duration call_timeout);
  management_routes(const management_routes&) = delete;
  management_routes& operator=(const management_routes&) = delete;

  /// The answer to a GET of `target` (a path, maybe with a query: only /events reads one). Never
  /// throws: anything unexpected becomes a 500 with the reason. @threadsafe
  [[nodiscard]] http_answer get(std::string_view target);
  /// Whether `target` names a write (a POST route). @threadsafe
  [[nodiscard]] static bool is_write(std::string_view target);
  /// The answer to an authorised POST of `target`. Never throws. @threadsafe
  [[nodiscard]] http_answer post(std::string_view target);

 private:
  class caller_lease;
  http_answer route(const std::string& path, const std::string& query, admin_caller& caller);
  http_answer views(admin_caller& caller);

  cluster_node& node_;
  duration timeout_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<admin_caller>> callers_;
  std::vector<admin_caller*> free_;
};

/// The live cluster page (generated from ops/live_page.html at build time).
extern const std::string_view live_page_html;

}  // namespace troupe
