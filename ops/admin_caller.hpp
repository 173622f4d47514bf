#pragma once
/// @file
/// `admin_caller`: calls the admin process ("troupe.admin", admin.hpp) of this node and of the
/// other members from a plain thread — the management endpoint's. It asks the same process
/// with the same messages as troupectl, so both see the same answers.
///
/// It owns one long-lived process (a scoped actor, registered under the name given), so the
/// endpoint adds a fixed, named process to the node instead of one per request. A reply that
/// comes after its call gave up is dropped at the next call.

#include <mutex>
#include <string>
#include <vector>

#include "troupe/ops/admin.hpp"
#include "troupe/node/scoped_actor.hpp"

namespace troupe {

class cluster_node;

class admin_caller {
 public:
  /// `name`: the local name of its process (e.g. "troupe.http.0"); empty: unnamed.
  admin_caller(cluster_node& n, const std::string& name);
  admin_caller(const admin_caller&) = delete;
  admin_caller& operator=(const admin_caller&) = delete;

  /// One request for one member's admin.
  struct request {
    std::string member;
    envelope_ptr message;
  };

  /// Calls this node's admin. `timeout` if it does not answer in time, `noproc` if it is not
  /// running. @threadsafe (calls take turns)
  template <message Resp, message Req>
  result<Resp> call(Req req, duration timeout) {
    std::vector<request> one;
    one.push_back({node_name(), make_envelope<Req>(pid{}, std::move(req))});
    return decode<Resp>(std::move(call_all(std::move(one), timeout).front()));
  }

  /// Sends every request at once (a member's admin may be this node's) and waits up to
  /// `timeout` in all; the answers in the order of the requests. @threadsafe (calls take turns)
  std::vector<result<envelope_ptr>> call_all(std::vector<request> requests, duration timeout);

  /// An answer of `call_all` as the reply type expected.
  template <message Resp>
  static result<Resp> decode(result<envelope_ptr> e) {
    if (!e) return std::unexpected(e.error());
    if (!holds<Resp>(**e)) return fail(errc::codec, "the admin answered with '" + std::string((*e)->type->name) + "'");
    return std::move(payload<Resp>(**e));
  }

  [[nodiscard]] const std::string& node_name() const noexcept;

 private:
  /// Sends `e` to `member`'s admin; false if it cannot go out (no admin here, member not connected).
  bool send_to_admin(const std::string& member, envelope_ptr e);
  void drop_stale_replies();

  cluster_node& node_;
  std::mutex mutex_;
  scoped_actor self_;
};

}  // namespace troupe
