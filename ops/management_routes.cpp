#include "troupe/ops/management_routes.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

#include "troupe/ops/admin_metrics.hpp"
#include "troupe/ops/admin_reply_json.hpp"
#include "troupe/cluster/cluster_node.hpp"

namespace troupe {
namespace {

using nlohmann::json;

/// A remote member gets less time than the local admin: one slow member must not hold up the
/// page's refresh for long.
constexpr duration member_timeout = std::chrono::milliseconds(800);

http_answer json_answer(unsigned status, const json& body) {
  // Invalid UTF-8 (say, in a name) is replaced rather than thrown: the endpoint never fails on data.
  return {status, "application/json", body.dump(2, ' ', false, json::error_handler_t::replace) + "\n"};
}

http_answer error_answer(unsigned status, const std::string& why) { return json_answer(status, {{"error", why}}); }

/// 504 for an admin that did not answer in time, 503 for one that cannot be reached.
http_answer failed_call(const error& e) {
  return error_answer(e == errc::timeout ? 504 : 503, e.context().empty() ? e.message() : e.context());
}

template <message Resp, message Req, class Render>
http_answer ask(admin_caller& caller, duration timeout, Req req, Render render) {
  auto r = caller.call<Resp>(std::move(req), timeout);
  if (!r) return failed_call(r.error());
  return render(*r);
}

bool reachable(const std::string& state) { return state == "up" || state == "suspect"; }

/// The value of `key=N` in a query string (`after=12&x=y`); 0 when absent or not a number.
std::uint64_t query_number(std::string_view query, std::string_view key) {
  for (std::size_t at = 0; at < query.size();) {
    auto end = query.find('&', at);
    auto pair = query.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    if (pair.size() > key.size() && pair.starts_with(key) && pair[key.size()] == '=') {
      std::uint64_t v = 0;
      auto digits = pair.substr(key.size() + 1);
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
      return ec == std::errc() && p == digits.data() + digits.size() ? v : 0;
    }
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  return 0;
}

}  // namespace

/// Borrows a caller for one request; with as many callers as server threads, never waits long.
class management_routes::caller_lease {
 public:
  explicit caller_lease(management_routes& r) : routes_(r) {
    std::unique_lock lock(r.mutex_);
    r.returned_.wait(lock, [&] { return !r.free_.empty(); });
    caller_ = r.free_.back();
    r.free_.pop_back();
  }
  ~caller_lease() {
    {
      std::lock_guard lock(routes_.mutex_);
      routes_.free_.push_back(caller_);
    }
    routes_.returned_.notify_one();
  }
  caller_lease(const caller_lease&) = delete;
  caller_lease& operator=(const caller_lease&) = delete;
  admin_caller& operator*() const noexcept { return *caller_; }

 private:
  management_routes& routes_;
  admin_caller* caller_;
};

management_routes::management_routes(cluster_node& n, std::size_t callers, duration call_timeout)
    : node_(n), timeout_(call_timeout) {
  for (std::size_t i = 0; i < std::max<std::size_t>(callers, 1); ++i) {
    callers_.push_back(std::make_unique<admin_caller>(n, "troupe.http." + std::to_string(i)));
    free_.push_back(callers_.back().get());
  }
}

http_answer management_routes::get(std::string_view target) {
  const auto q = target.find('?');
  std::string path(target.substr(0, q));
  std::string query(q == std::string_view::npos ? std::string_view() : target.substr(q + 1));
  if (path.size() > 1 && path.back() == '/') path.pop_back();
  try {
    if (path == "/" || path == "/index.html") return {200, "text/html; charset=utf-8", std::string(live_page_html)};
    caller_lease caller(*this);
    return route(path, query, *caller);
  } catch (const std::exception& ex) {
    return error_answer(500, ex.what());
  }
}

namespace {
constexpr std::string_view members_prefix = "/cluster/members/", down_suffix = "/down";

/// NAME of `/cluster/members/NAME/down`, or empty.
std::string_view down_target(std::string_view target) {
  if (!target.starts_with(members_prefix) || !target.ends_with(down_suffix)) return {};
  auto name = target.substr(members_prefix.size(), target.size() - members_prefix.size() - down_suffix.size());
  return name.find('/') == std::string_view::npos ? name : std::string_view();
}
}  // namespace

bool management_routes::is_write(std::string_view target) { return !down_target(target).empty(); }

http_answer management_routes::post(std::string_view target) {
  const std::string name(down_target(target));
  if (name.empty()) return error_answer(404, "no such write: " + std::string(target));
  try {
    caller_lease caller(*this);
    auto r = (*caller).call<admin_done>(admin_down{name}, timeout_);
    if (!r) return failed_call(r.error());
    if (!r->ok) return error_answer(409, r->error);
    return json_answer(200, {{"removed", name}});
  } catch (const std::exception& ex) {
    return error_answer(500, ex.what());
  }
}

http_answer management_routes::route(const std::string& path, const std::string& query, admin_caller& caller) {
  if (path == "/health") {
    // A health check wants one answer for "not now", whatever the cause: 503.
    auto pong = caller.call<admin_pong>(admin_ping{}, timeout_);
    if (!pong) return json_answer(503, {{"status", "unavailable"}, {"node", node_.name()}, {"error", pong.error().message()}});
    return json_answer(200, {{"status", "ok"}, {"node", pong->node}, {"creation", pong->creation}});
  }
  if (path == "/cluster")
    return ask<admin_members_reply>(caller, timeout_, admin_members{}, [](auto& r) { return json_answer(200, members_json(r)); });
  if (path == "/cluster/views") return views(caller);
  if (path == "/processes")
    return ask<admin_ps_reply>(caller, timeout_, admin_ps{}, [](auto& r) { return json_answer(200, processes_json(r)); });
  if (path == "/names")
    return ask<admin_names_reply>(caller, timeout_, admin_names{}, [](auto& r) { return json_answer(200, names_json(r)); });
  if (path == "/groups")
    return ask<admin_groups_reply>(caller, timeout_, admin_groups{}, [](auto& r) { return json_answer(200, groups_json(r)); });
  if (path == "/children")
    return ask<admin_children_reply>(caller, timeout_, admin_children{}, [](auto& r) {
      return r.available ? json_answer(200, children_json(r)) : error_answer(404, "this node runs no global supervisor");
    });
  if (path == "/events")
    return ask<admin_events_reply>(caller, timeout_, admin_events{.after = query_number(query, "after"), .limit = 500},
                                   [](auto& r) { return json_answer(200, events_json(r)); });
  if (path == "/metrics")
    return ask<admin_metrics_reply>(caller, timeout_, admin_metrics{}, [](auto& r) {
      return http_answer{200, "text/plain; version=0.0.4; charset=utf-8", prometheus_text(r)};
    });
  if (path == "/metrics.json")
    return ask<admin_metrics_reply>(caller, timeout_, admin_metrics{}, [](auto& r) { return json_answer(200, metrics_json(r)); });
  return error_answer(404, "no such page: " + path);
}

/// Asks every member this node can reach for its own member list and metrics: who sees whom,
/// and each member's counters (the page turns them into rates).
http_answer management_routes::views(admin_caller& caller) {
  auto here = caller.call<admin_members_reply>(admin_members{}, timeout_);
  if (!here) return failed_call(here.error());
  std::vector<std::string> asked;
  json views = json::object(), metrics = json::object(), errors = json::object();
  for (auto& m : here->members) {
    views[m.name] = nullptr;
    metrics[m.name] = nullptr;
    if (m.self || reachable(m.state)) asked.push_back(m.name);
    else errors[m.name] = m.state + " as " + node_.name() + " sees it: not asked";
  }
  // Both questions to every member at once: a member that does not answer costs one timeout.
  std::vector<admin_caller::request> requests;
  for (auto& member : asked) {
    requests.push_back({member, make_envelope<admin_members>(pid{})});
    requests.push_back({member, make_envelope<admin_metrics>(pid{})});
  }
  auto answers = caller.call_all(std::move(requests), member_timeout);
  for (std::size_t i = 0; i < asked.size(); ++i) {
    auto view = admin_caller::decode<admin_members_reply>(std::move(answers[2 * i]));
    auto figures = admin_caller::decode<admin_metrics_reply>(std::move(answers[2 * i + 1]));
    if (view) views[asked[i]] = members_json(*view);
    else errors[asked[i]] = view.error().context().empty() ? view.error().message() : view.error().context();
    if (figures) metrics[asked[i]] = metrics_json(*figures);
  }
  return json_answer(200, {{"node", node_.name()}, {"members", members_json(*here)}, {"views", views},
                           {"metrics", metrics}, {"errors", errors}});
}

}  // namespace troupe
