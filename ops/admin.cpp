#include "troupe/ops/admin.hpp"

#include <algorithm>
#include <memory>

#include "troupe/ops/admin_metrics.hpp"
#include "troupe/cluster/global_snapshot.hpp"
#include "troupe/cluster/global_supervisor.hpp"
#include "troupe/cluster/membership.hpp"
#include "troupe/cluster/cluster_node.hpp"
#include "troupe/node/call.hpp"
#include "troupe/node/log.hpp"
#include "troupe/registry/global_registry.hpp"
#include "troupe/registry/process_groups.hpp"

namespace troupe {
namespace {

constexpr std::uint32_t max_call_timeout_ms = 60'000;

admin_process to_row(const process_info& i) {
  return {i.self, to_string(i.status), i.mailbox_length, i.messages_handled, i.registered_name};
}

admin_done failed(std::string why) { return {false, std::move(why)}; }

/// Builds an envelope of wire type `type` from its MessagePack body, with this node's codec.
result<envelope_ptr> build_message(const std::string& type, const packed_value& body) {
  const message_type* t = find_message_type(type);
  if (!t || !t->decode) return fail(errc::unknown_type, "this node knows no message type '" + type + "'");
  if (t->signal) return fail(errc::invalid_argument, "'" + type + "' is a runtime signal, not a message");
  try {
    msgpack::object_handle h;
    if (!body.bytes.empty()) h = msgpack::unpack(body.bytes.data(), body.bytes.size());
    return envelope_ptr(t->decode(h.get(), pid{}));
  } catch (const std::exception& ex) {
    return fail(errc::codec, "the arguments do not fit '" + type + "': " + ex.what());
  }
}

/// The answer of a relayed call (its reply, else why there is none), as an `admin_call_reply`.
admin_call_reply to_call_reply(const envelope* reply, const error* why) {
  if (!reply) return {false, why ? why->message() : "no answer", {}, {}};
  const envelope& e = *reply;
  if (!e.type->encode) return {false, "the answer has the local-only type '" + std::string(e.type->name) + "'", {}, {}};
  msgpack::sbuffer b;
  e.type->encode(e, b);
  return {true, {}, std::string(e.type->name), packed_value{{b.data(), b.data() + b.size()}}};
}

class admin final : public actor {
 public:
  admin(cluster_node& n, admin_options options) : node_(n), options_(std::move(options)) {}

 protected:
  behavior make_behavior() override {
    return {
        [this](const admin_ping&) { return admin_pong{system().node_name(), system().creation()}; },
        [this](const admin_members&) { return members(); },
        [this](const admin_names&) { return names(); },
        [this](const admin_whereis& m) { return whereis(m.name); },
        [this](const admin_groups&) { return groups(); },
        [this](const admin_ps&) { return ps(); },
        [this](const admin_info& m) { return info(m.target); },
        [this](const admin_kill& m) { return kill(m); },
        [this](const admin_register& m) { return register_name(m); },
        [this](const admin_send& m) { return send_message(m); },
        [this](const admin_call& m) { call_message(m); },
        [this](const admin_children&) { return children(); },
        [this](const admin_start_child& m) { return start_child(m); },
        [this](const admin_stop_child& m) { return stop_child(m); },
        [this](const admin_drain&) { return drain(); },
        [this](const admin_down& m) { return down(m.node); },
        [this](const admin_events& m) { return events(m); },
        [this](const admin_metrics&) { return collect_metrics(node_, options_.supervisor); },
    };
  }

 private:
  admin_members_reply members() const {
    admin_members_reply r;
    for (auto& m : node_.membership().members())
      r.members.push_back({m.name, m.address, to_string(m.state), m.creation, m.self});
    return r;
  }

  admin_names_reply names() const {
    admin_names_reply r;
    for (auto& [name, p] : system().registered_names()) r.local.push_back({name, p});
    if (!options_.names) return r;
    r.global_available = true;
    for (auto& [name, p] : options_.names->registered_names()) r.global.push_back({name, p});
    return r;
  }

  std::optional<pid> global_whereis(const std::string& name) const {
    if (!options_.names) return std::nullopt;
    return options_.names->whereis(name);
  }

  admin_whereis_reply whereis(const std::string& name) const {
    if (auto p = system().whereis(name)) return {*p, "local"};
    if (auto p = global_whereis(name)) return {*p, "global"};
    return {};
  }

  admin_groups_reply groups() const {
    admin_groups_reply r;
    if (!options_.groups) return r;
    r.available = true;
    for (auto& name : options_.groups->groups()) r.groups.push_back({name, options_.groups->members(name)});
    return r;
  }

  admin_ps_reply ps() const {
    admin_ps_reply r;
    for (auto& p : system().processes())
      if (auto i = system().info(p)) r.processes.push_back(to_row(*i));
    return r;
  }

  admin_info_reply info(const pid& target) const {
    auto i = system().is_local(target) ? system().info(target) : std::nullopt;
    if (!i) return {};
    return {true, to_row(*i), i->trap_exit, i->links, i->monitors, i->monitored_by};
  }

  admin_done kill(const admin_kill& m) {
    if (m.target.is_null()) return failed("no pid given");
    if (auto gone = known_gone(m.target)) return failed(*gone);
    exit(m.target, parse_exit_reason(m.reason.empty() ? "kill" : m.reason));
    return {};
  }

  /// Why `p` surely names no process, as far as this node can tell without asking another:
  /// not alive here, of an earlier incarnation, or of a node that is not connected or has
  /// restarted since. A live remote process cannot be told from a dead one from here.
  std::optional<std::string> known_gone(const pid& p) const {
    const auto& owner = node_name(p.node);
    if (system().is_local(p))
      return system().alive(p) ? std::nullopt : std::optional("no process " + p.to_string() + " on " + owner);
    if (owner == system().node_name())
      return p.to_string() + " belongs to an earlier incarnation of " + owner + ": it is gone";
    auto spawner = node_.spawner_of(owner);
    if (spawner.is_null()) return "node '" + owner + "' is not connected to " + system().node_name();
    if (spawner.creation != p.creation) return "node '" + owner + "' has restarted since " + p.to_string() + " ran: it is gone";
    return std::nullopt;
  }

  admin_done register_name(const admin_register& m) {
    auto r = system().register_name(m.name, m.target);
    if (!r) return failed(r.error().message());
    return {};
  }

  /// A pid (`<n1.3.42>`), else a local name, else a global one.
  std::optional<pid> resolve(const std::string& target) const {
    if (auto p = pid::parse(target)) return p;
    if (auto p = system().whereis(target)) return p;
    return global_whereis(target);
  }

  admin_done send_message(const admin_send& m) {
    auto to = resolve(m.target);
    if (!to) return failed("no process is registered as '" + m.target + "'");
    auto e = build_message(m.type, m.body);
    if (!e) return failed(e.error().message());
    system().deliver(*to, std::move(*e));
    return {};
  }

  void call_message(const admin_call& m) {
    auto to = resolve(m.target);
    if (!to) return reply(current_call(), admin_call_reply{false, "no process is registered as '" + m.target + "'", {}, {}});
    auto e = build_message(m.type, m.body);
    if (!e) return reply(current_call(), admin_call_reply{false, e.error().message(), {}, {}});
    relay_call(*to, std::move(*e), std::chrono::milliseconds(std::min(m.timeout_ms, max_call_timeout_ms)));
  }

  /// Sends the call as a request of our own and answers our caller when it ends (file doc).
  void relay_call(const pid& to, envelope_ptr e, duration timeout) {
    request_envelope(to, std::move(e), timeout, [this, caller = current_call()](envelope* answer, const error* why) {
      this->reply(caller, to_call_reply(answer, why));
    });
  }

  admin_children_reply children() const {
    admin_children_reply r;
    if (!options_.supervisor) return r;
    r.available = true;
    for (auto& c : options_.supervisor->which_children()) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(c.last_moved.time_since_epoch()).count();
      admin_child row{c.id, c.node, c.child, c.restarts, c.failed, c.node.empty() ? 0 : ms};
      row.waiting = c.waiting;
      if (auto snap = options_.supervisor->snapshot(c.id)) {
        row.has_snapshot = true;
        row.snapshot_bytes = static_cast<std::uint32_t>(snap->size());
        row.snapshot_digest = snapshot_digest(*snap);
      }
      r.children.push_back(std::move(row));
    }
    return r;
  }

  admin_done start_child(const admin_start_child& m) {
    if (!options_.supervisor) return failed("this node runs no global supervisor");
    global_child_spec spec{.id = m.id, .type = m.type, .args = m.args.bytes, .name = m.name,
                           .preferred_nodes = m.preferred, .pinned = m.pinned};
    if (m.restart == "transient") spec.restart = restart_type::transient;
    else if (m.restart == "temporary") spec.restart = restart_type::temporary;
    else if (!m.restart.empty() && m.restart != "permanent")
      return failed("restart must be permanent, transient or temporary, not '" + m.restart + "'");
    if (auto ok = options_.supervisor->start_child(std::move(spec)); !ok) return failed(ok.error().message());
    return {};
  }

  admin_done stop_child(const admin_stop_child& m) {
    if (!options_.supervisor) return failed("this node runs no global supervisor");
    if (auto ok = options_.supervisor->terminate_child(m.id); !ok) return failed(ok.error().message());
    return {};
  }

  admin_done drain() {
    if (!options_.drain) return failed("this node cannot be drained from here (no drain hook)");
    log()->info("drain requested through the admin process");
    options_.drain();
    return {};
  }

  admin_events_reply events(const admin_events& m) const {
    admin_events_reply r{system().node_name(), node_.events().last_seq(), {}};
    for (auto& e : node_.events().since(m.after, m.limit == 0 ? SIZE_MAX : m.limit))
      r.events.push_back({e.seq, e.unix_ms, e.kind, e.subject, e.from, e.to, e.detail});
    return r;
  }

  admin_done down(const std::string& name) {
    if (name == system().node_name()) return failed("a node cannot remove itself; drain it instead");
    auto members = node_.membership().members();
    auto m = std::ranges::find_if(members, [&](const member& x) { return x.name == name; });
    if (m == members.end()) return failed("no member named '" + name + "' on " + system().node_name());
    if (m->state == member_state::up || m->state == member_state::suspect)
      return failed("member '" + name + "' is " + to_string(m->state) + " on " + system().node_name() +
                    "; down removes only a member that is down (stop it, or drain it)");
    if (m->state == member_state::left) return {};  // removed already, or left by itself
    auto membership = system().whereis("troupe.membership");
    if (!membership) return failed("this node runs no membership process");
    log()->info("down '{}' requested through the admin process", name);
    send(*membership, remove_member{name});
    return {};
  }

  cluster_node& node_;
  admin_options options_;
};

}  // namespace

exit_reason parse_exit_reason(const std::string& text) {
  if (text == "kill") return exit_reason::kill();
  if (text == "normal") return exit_reason::normal();
  if (text == "shutdown") return exit_reason::shutdown();
  return exit_reason::error(text);
}

pid start_admin(cluster_node& n, admin_options options) {
  auto& sys = n.system();
  if (auto existing = sys.whereis(admin_process_name)) return *existing;
  pid p = sys.spawn<admin>(n, std::move(options));
  if (!p) return p;
  if (auto r = sys.register_name(admin_process_name, p); !r) {
    // Lost a race with another start_admin: keep the one that won.
    sys.exit(p, exit_reason::shutdown());
    return sys.whereis(admin_process_name).value_or(pid{});
  }
  return p;
}

}  // namespace troupe
