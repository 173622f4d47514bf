#pragma once
/// @file
/// `multi_call` and `abcast`: one request to the servers registered under one name on many
/// nodes (OTP `gen_server:multi_call/2,3,4` and `gen_server:abcast/2,3`).
///
/// ```
/// // Every member node that is up, this one included (OTP [node() | nodes()]):
/// auto r = troupe::multi_call<config_version>(sys, "config", get_version{}, 2s);
/// for (auto& [node, v] : r->replies) ...;     // the nodes that answered
/// for (auto& node : r->bad_nodes) ...;        // no such node, not connected, no server by that
///                                             // name, the server died, or no answer in time
/// troupe::abcast(sys, "config", reload{});    // fire and forget, to the same nodes
/// ```
/// `multi_call` blocks its (non-actor) thread, like `call`. It monitors `{name, node}` on each
/// node (so a missing name answers `noproc` at once and a lost node `noconnection`) and sends the
/// request by name; the name is resolved on each node. A reply that comes after the timeout goes
/// to the call's own short-lived process, which is gone by then: a dead letter, never mail for
/// the caller (OTP uses a middleman process for the same reason).

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "troupe/node/actor_system.hpp"
#include "troupe/node/call.hpp"

namespace troupe {

/// What `multi_call` gathered: OTP's `{Replies, BadNodes}`.
template <class Resp>
struct multi_call_result {
  /// `{Node, Reply}` for each node whose server answered, in the order the answers came.
  std::vector<std::pair<std::string, Resp>> replies;
  /// The nodes that gave no reply (see the file comment for why a node ends up here).
  std::vector<std::string> bad_nodes;
};

namespace detail {
struct multi_call_envelopes {
  std::vector<std::pair<std::string, envelope_ptr>> replies;
  std::vector<std::string> bad_nodes;
};
/// Sends `make_request()` to `name` on every node of `nodes` and waits for the replies until
/// `timeout`. Fails only when called on a scheduler thread or while the node shuts down.
result<multi_call_envelopes> blocking_multi_call(actor_system& sys, const std::vector<std::string>& nodes, std::string_view name,
                                                 const std::function<envelope_ptr()>& make_request, duration timeout);
/// This node and the member nodes connected now (OTP `[node() | nodes()]`).
std::vector<std::string> this_and_connected_nodes(const actor_system& sys);
}  // namespace detail

/// Calls the server registered as `name` on each node of `nodes` (OTP multi_call/4). A reply
/// of another type than `Resp` counts its node as bad. For non-actor threads only.
template <message Resp, message Req>
result<multi_call_result<Resp>> multi_call(actor_system& sys, const std::vector<std::string>& nodes, std::string_view name,
                                           const Req& req, duration timeout = default_call_timeout) {
  auto raw = detail::blocking_multi_call(
      sys, nodes, name, [&req] { return make_envelope<std::remove_cvref_t<Req>>(pid{}, Req(req)); }, timeout);
  if (!raw) return std::unexpected(raw.error());
  multi_call_result<Resp> out;
  out.bad_nodes = std::move(raw->bad_nodes);
  for (auto& [node, e] : raw->replies) {
    if (holds<Resp>(*e))
      out.replies.emplace_back(std::move(node), std::move(payload<Resp>(*e)));
    else
      out.bad_nodes.push_back(std::move(node));
  }
  return out;
}

/// The same on this node and every member node connected now (OTP multi_call/2,3). OTP's
/// default timeout is infinity; here it is `default_call_timeout`, so a thread never waits
/// forever on a server that keeps the call.
template <message Resp, message Req>
result<multi_call_result<Resp>> multi_call(actor_system& sys, std::string_view name, const Req& req,
                                           duration timeout = default_call_timeout) {
  return multi_call<Resp>(sys, detail::this_and_connected_nodes(sys), name, req, timeout);
}

/// Sends `msg` to the process registered as `name` on each node of `nodes`, without waiting
/// and without telling whether anyone got it (OTP abcast/3). Usable from any thread.
template <message T>
void abcast(actor_system& sys, const std::vector<std::string>& nodes, std::string_view name, const T& msg) {
  for (auto& node : nodes) sys.deliver_to_name(node, name, make_envelope<std::remove_cvref_t<T>>(pid{}, T(msg)));
}

/// The same on this node and every member node connected now (OTP abcast/2).
template <message T>
void abcast(actor_system& sys, std::string_view name, const T& msg) {
  abcast(sys, detail::this_and_connected_nodes(sys), name, msg);
}

}  // namespace troupe
