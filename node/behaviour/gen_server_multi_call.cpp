#include "troupe/node/behaviour/gen_server_multi_call.hpp"

#include <algorithm>
#include <chrono>
#include <map>

#include "troupe/node/scoped_actor.hpp"

namespace troupe::detail {

namespace {
/// One node's call in flight: the monitor on `{name, node}` and the node's name.
struct pending_reply {
  std::string node;
  ref_id monitor = 0;
};
}  // namespace

std::vector<std::string> this_and_connected_nodes(const actor_system& sys) {
  std::vector<std::string> nodes{sys.node_name()};
  for (auto& n : sys.connected_nodes()) nodes.push_back(n);
  return nodes;
}

result<multi_call_envelopes> blocking_multi_call(actor_system& sys, const std::vector<std::string>& nodes, std::string_view name,
                                                 const std::function<envelope_ptr()>& make_request, duration timeout) {
  if (sys.executor().on_worker_thread())
    return fail(errc::invalid_argument, "blocking multi_call from a scheduler thread");
  scoped_actor self(sys);
  if (!self.self()) return fail(errc::shutting_down, "the node is shutting down");
  std::map<ref_id, pending_reply> by_call;  // keyed by the reply's correlation
  for (auto& node : nodes) {
    if (std::any_of(by_call.begin(), by_call.end(), [&](auto& p) { return p.second.node == node; })) continue;  // once per node
    ref_id mon = self->monitor(name, node);  // first, so a missing name or node answers as a DOWN
    ref_id ref = sys.make_ref();
    envelope_ptr req = make_request();
    req->from = self.self();
    req->correlation = ref;
    sys.deliver_to_name(node, name, std::move(req));
    by_call.emplace(ref | envelope::reply_bit, pending_reply{node, mon});
  }
  multi_call_envelopes out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;  // receive_if waits in real time
  while (!by_call.empty()) {
    auto left = std::max(std::chrono::duration_cast<duration>(deadline - std::chrono::steady_clock::now()), duration::zero());
    envelope_ptr e = self->receive_if(
        [&](const envelope& x) {
          if (by_call.contains(x.correlation)) return true;
          return holds<down_msg>(x) && std::any_of(by_call.begin(), by_call.end(),
                                                   [&](auto& p) { return p.second.monitor == payload<down_msg>(x).ref; });
        },
        left);
    if (!e) break;  // out of time: whoever has not answered is a bad node
    auto it = holds<down_msg>(*e) ? std::find_if(by_call.begin(), by_call.end(),
                                                 [&](auto& p) { return p.second.monitor == payload<down_msg>(*e).ref; })
                                  : by_call.find(e->correlation);
    if (holds<down_msg>(*e)) {
      out.bad_nodes.push_back(it->second.node);
    } else {
      self->demonitor(it->second.monitor);  // with its DOWN, if one is already queued
      out.replies.emplace_back(it->second.node, std::move(e));
    }
    by_call.erase(it);
  }
  for (auto& [ref, p] : by_call) {
    self->demonitor(p.monitor);
    out.bad_nodes.push_back(p.node);
  }
  return out;
}

}  // namespace troupe::detail
