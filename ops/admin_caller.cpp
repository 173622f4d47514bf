#include "troupe/ops/admin_caller.hpp"

#include <map>

#include "troupe/cluster/cluster_node.hpp"
#include "troupe/node/log.hpp"

namespace troupe {

admin_caller::admin_caller(cluster_node& n, const std::string& name) : node_(n), self_(n.system()) {
  if (name.empty() || !self_.self()) return;
  if (auto r = n.system().register_name(name, self_.self()); !r)
    log()->warn("management endpoint: cannot name its process '{}': {}", name, r.error().message());
}

const std::string& admin_caller::node_name() const noexcept { return node_.name(); }

bool admin_caller::send_to_admin(const std::string& member, envelope_ptr e) {
  if (member == node_.name()) {
    auto admin = node_.system().whereis(admin_process_name);
    if (!admin) return false;
    node_.system().deliver(*admin, std::move(e));
    return true;
  }
  return node_.network().send_to_name(member, admin_process_name, std::move(e));
}

void admin_caller::drop_stale_replies() {
  while (self_->receive_any(duration::zero())) {
  }
}

std::vector<result<envelope_ptr>> admin_caller::call_all(std::vector<request> requests, duration timeout) {
  std::lock_guard lock(mutex_);
  drop_stale_replies();
  std::vector<result<envelope_ptr>> out;
  for (std::size_t i = 0; i < requests.size(); ++i) out.emplace_back(fail(errc::timeout));
  std::map<std::uint64_t, std::size_t> waiting;  // reply correlation -> index of the request
  for (std::size_t i = 0; i < requests.size(); ++i) {
    auto& [member, e] = requests[i];
    ref_id ref = node_.system().make_ref();
    e->from = self_.self();
    e->correlation = ref;
    bool here = member == node_.name();
    if (send_to_admin(member, std::move(e)))
      waiting.emplace(ref | envelope::reply_bit, i);
    else
      out[i] = fail(here ? errc::noproc : errc::noconnection,
                    here ? "this node runs no admin process" : member + " is not connected");
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!waiting.empty()) {
    auto left = std::chrono::duration_cast<duration>(deadline - std::chrono::steady_clock::now());
    auto e = self_->receive_if([&](const envelope& x) { return waiting.contains(x.correlation); },
                               std::max(left, duration::zero()));
    if (!e) break;
    auto it = waiting.find(e->correlation);
    out[it->second] = std::move(e);
    waiting.erase(it);
  }
  for (auto& [ref, i] : waiting)
    out[i] = fail(errc::timeout, "the admin of " + requests[i].member + " did not answer in time");
  return out;
}

}  // namespace troupe
