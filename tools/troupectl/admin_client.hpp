#pragma once
/// @file
/// `admin_client`: troupectl's tiny hidden node, which calls the admin processes of real nodes.
///
/// It is an actor_system with a transport and no membership: its name starts with '~', so the
/// nodes it connects to keep it out of their member lists. A call is a send by name to
/// "troupe.admin" carrying a correlation; the admin's reply comes back to the client's scoped
/// actor over the channel the node opens back to it.
///
/// That channel comes up a little after ours (docs/PROTOCOL.md, "Consequence for clients"), and a
/// reply sent before it exists is lost. So `connect` pings the admin — harmless to repeat — until
/// one answer arrives; every later command is sent exactly once.

#include <chrono>
#include <memory>
#include <string>

#include "troupe/ops/admin_messages.hpp"
#include "troupe/node/actor_system.hpp"
#include "troupe/node/scoped_actor.hpp"
#include "troupe/node/spawner.hpp"
#include "troupe/transport/transport.hpp"

namespace troupe::ctl {

struct client_options {
  std::string cookie = "troupe";
  /// Where the node reaches us back; must be reachable from it.
  std::string listen = "tcp://127.0.0.1:*";
  std::chrono::milliseconds timeout{3000};
};

/// A node troupectl talks to.
struct target {
  std::string address;
  std::string name;
  std::uint32_t creation = 0;
};

class admin_client {
 public:
  explicit admin_client(client_options options);
  ~admin_client();
  admin_client(const admin_client&) = delete;
  admin_client& operator=(const admin_client&) = delete;

  /// Starts the hidden node. Fails if it cannot bind its listen address.
  result<void> start();
  /// Connects to the node at `address` and waits (up to the timeout) until its admin answers.
  /// Errors say what went wrong for people: no answer, refused cookie, no admin.
  result<target> connect(const std::string& address);

  /// Calls the admin of `t` with `req`; waits the timeout plus `extra`.
  template <message Resp, message Req>
  result<Resp> call(const target& t, Req req, duration extra = {}) {
    auto e = call_raw(t, make_envelope<Req>(pid{}, std::move(req)), options_.timeout + extra);
    if (!e) return std::unexpected(e.error());
    if (!holds<Resp>(**e)) return fail(errc::codec, "the admin answered with '" + std::string((*e)->type->name) + "'");
    return std::move(payload<Resp>(**e));
  }

  /// Spawns `type` with `args` (one MessagePack value, empty for nil) through the spawner of `t`.
  result<pid> spawn(const target& t, const std::string& type, const packed_value& args);

  [[nodiscard]] const client_options& options() const noexcept { return options_; }

 private:
  struct peer_watch;
  result<envelope_ptr> call_raw(const target& t, envelope_ptr req, duration timeout);
  result<target> wait_up(const std::string& address);
  result<void> ping_until_answered(target& t);
  [[nodiscard]] std::string no_answer(const std::string& address) const;

  client_options options_;
  std::unique_ptr<actor_system> system_;
  std::unique_ptr<transport::transport> net_;
  std::unique_ptr<scoped_actor> self_;
  std::shared_ptr<peer_watch> peers_;
};

}  // namespace troupe::ctl
