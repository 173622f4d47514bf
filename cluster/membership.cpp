#include "troupe/cluster/membership.hpp"

#include "troupe/cluster/event_timeline.hpp"

#include <algorithm>
#include <map>

#include "troupe/node/log.hpp"

namespace troupe {

struct gossip_entry {
  std::string name;
  std::string address;
  bool left = false;
  MSGPACK_DEFINE(name, address, left);
};

/// What a node tells its peers: the members it knows.
struct member_gossip {
  std::vector<gossip_entry> members;
  MSGPACK_DEFINE(members);
};

namespace detail {
/// A transport peer event, posted by the transport's callback to the membership process.
struct peer_changed {
  transport::peer_event event;
};
struct gossip_tick {};
/// What the seed names resolve to now (from the resolver thread).
struct seed_endpoints {
  std::vector<std::string> endpoints;
};
}  // namespace detail

}  // namespace troupe

TROUPE_MESSAGE(troupe::member_gossip, "troupe.membership.gossip");
TROUPE_LOCAL_MESSAGE(troupe::detail::peer_changed, "troupe.membership.peer_changed");
TROUPE_LOCAL_MESSAGE(troupe::detail::gossip_tick, "troupe.membership.tick");
TROUPE_LOCAL_MESSAGE(troupe::detail::seed_endpoints, "troupe.membership.seed_endpoints");

namespace troupe {

const char* to_string(member_state s) noexcept {
  switch (s) {
    case member_state::joining: return "joining";
    case member_state::up: return "up";
    case member_state::suspect: return "suspect";
    case member_state::down: return "down";
    case member_state::left: return "left";
  }
  return "unknown";
}

// --- the view ----------------------------------------------------------------------------------------

std::vector<member> membership_view::members() const {
  std::lock_guard lock(mutex_);
  return members_;
}

bool membership_view::has_quorum() const {
  std::lock_guard lock(mutex_);
  std::size_t total = 0, reachable = 0;
  for (auto& m : members_) {
    if (m.state == member_state::left) continue;
    ++total;
    if (m.state == member_state::up || m.state == member_state::suspect) ++reachable;
  }
  return reachable * 2 > total;
}

std::vector<std::string> membership_view::reachable() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (auto& m : members_)
    if (m.state == member_state::up || m.state == member_state::suspect) out.push_back(m.name);
  return out;
}

void membership_view::on_change(std::function<void(const member&)> f) {
  std::lock_guard lock(mutex_);
  handlers_.push_back(std::move(f));
}

void membership_view::publish(std::vector<member> members, const member* changed) {
  std::vector<std::function<void(const member&)>> handlers;
  {
    std::lock_guard lock(mutex_);
    members_ = std::move(members);
    handlers = handlers_;
  }
  if (changed)
    for (auto& h : handlers) h(*changed);
}

// --- the process ---------------------------------------------------------------------------------------

class membership_process final : public actor {
 public:
  membership_process(transport::network& net, membership_view& view, membership_config config, event_timeline* events)
      : net_(net), view_(view), config_(config), events_(events) {}

 protected:
  behavior make_behavior() override {
    member me{system().node_name(), net_.address(), system().creation(), member_state::up, true};
    members_[me.name] = me;
    publish(nullptr);
    // Peers that came up before this first turn (the subscription is made at spawn time, so
    // their events are queued too; seeing one twice is harmless).
    for (auto& p : net_.peers())
      if (p.up) on_peer(transport::peer_event{p.name, p.creation, true, {}, p.address});
    (void)system().register_name("troupe.membership", self());
    send_after(self(), config_.gossip_interval, detail::gossip_tick{});
    start_seed_resolver();
    return {
        [this](const detail::peer_changed& p) { on_peer(p.event); },
        [this](const detail::seed_endpoints& s) { dial_seeds(s.endpoints); },
        [this](const detail::gossip_tick&) { on_tick(); },
        [this](const member_gossip& g) { on_gossip(g); },
        [this](const subscribe_members& s) { on_subscribe(s.subscriber); },
        [this](const remove_member& r) { remove(r.name); },
        [this](const down_msg& d) { std::erase(subscribers_, d.who); },
    };
  }

  void on_exit(const exit_reason& reason) override {
    resolver_.reset();  // no more seed_endpoints: the system may be going away
    actor::on_exit(reason);
  }

 private:
  void start_seed_resolver() {
    std::vector<seed_name> names;
    for (auto& seed : config_.seeds)
      if (auto parsed = parse_seed(seed); parsed && *parsed) names.push_back(**parsed);
    if (names.empty()) return;
    auto resolve = config_.resolve ? config_.resolve : seed_resolver::system_resolver();
    auto found = [sys = &system(), me = self()](const std::vector<std::string>& endpoints) {
      sys->deliver_local(me, make_envelope<detail::seed_endpoints>(pid{}, detail::seed_endpoints{endpoints}));
    };
    resolver_ = std::make_unique<seed_resolver>(std::move(names), config_.seed_refresh_interval, std::move(resolve), found);
  }

  /// Dials what a seed name resolves to, except this node and peers connected there already.
  void dial_seeds(const std::vector<std::string>& endpoints) {
    auto peers = net_.peers();
    for (auto& e : endpoints) {
      bool connected = std::ranges::any_of(peers, [&](auto& p) { return p.up && p.address == e; });
      if (!connected && !is_own_endpoint(e, net_.address(), net_.config().listen)) net_.connect(e);
    }
  }

  void on_peer(const transport::peer_event& ev) {
    if (ev.name.starts_with('~')) return;  // hidden nodes (clients such as troupectl) are not members
    auto& m = members_[ev.name];
    m.name = ev.name;
    if (!ev.address.empty()) m.address = ev.address;
    const bool restarted = ev.up && m.creation != 0 && m.creation != ev.creation;
    m.creation = ev.creation;
    m.state = ev.up ? member_state::up : ev.reason == "left" ? member_state::left : member_state::down;
    record(m, restarted ? "restarted (new creation " + std::to_string(ev.creation) + ")" : ev.up ? "" : ev.reason);
    if (m.state == member_state::down) down_since_[m.name] = system().clock().now();
    else down_since_.erase(m.name);
    log()->info("member '{}' is {}", m.name, to_string(m.state));
    publish(&m);
    if (ev.up) gossip_to(ev.name);
  }

  void on_tick() {
    // Suspicion comes from the transport's detector; refresh it, then gossip.
    for (auto& p : net_.peers()) {
      auto it = members_.find(p.name);
      if (it == members_.end() || !(it->second.state == member_state::up || it->second.state == member_state::suspect))
        continue;
      auto state = p.suspect ? member_state::suspect : member_state::up;
      if (p.up && state != it->second.state) {
        it->second.state = state;
        record(it->second, state == member_state::suspect ? "the failure detector is uneasy" : "heard from again");
        publish(&it->second);
      }
    }
    auto_down();
    redial_unmet();
    gossip_round();
    send_after(self(), config_.gossip_interval, detail::gossip_tick{});
  }

  /// The transport redials only the peers it has met (welcomed once). An address seed, or a
  /// member learnt by gossip, is dialled once when first known; if that dial fails (the seed was
  /// not started yet, a cut, a lost handshake), nobody would dial it again and the two would
  /// never meet (simulation seeds 159 and 382 with a join). So each round dials again the
  /// members not met yet, and the address seeds while this node has met no one; `connect` does
  /// nothing while a dial to the address is under way.
  void redial_unmet() {
    bool alone = true;
    for (auto& [name, m] : members_) {
      if (!m.self && (m.state == member_state::up || m.state == member_state::suspect)) alone = false;
      if (m.state == member_state::joining && !m.address.empty()) net_.connect(m.address);
    }
    if (!alone) return;
    for (auto& seed : config_.seeds)
      if (auto parsed = parse_seed(seed); parsed && !*parsed && !is_own_endpoint(seed, net_.address(), net_.config().listen))
        net_.connect(seed);
  }

  /// The periodic gossip goes to `gossip_fanout` reachable members, taken in turn (round robin
  /// over the sorted names, so a simulation replays), not to all of them: the messages a node
  /// sends per round stay constant as the cluster grows, and every member still hears from every
  /// other within N / fanout rounds. Changes travel faster than that anyway: a member that comes
  /// up is gossiped to at once, a removal is gossiped to every member, and a node that learns of
  /// a member dials it.
  void gossip_round() {
    std::vector<std::string> reachable;
    for (auto& [name, m] : members_)
      if (!m.self && (m.state == member_state::up || m.state == member_state::suspect)) reachable.push_back(name);
    if (reachable.size() <= gossip_fanout) {
      for (auto& name : reachable) gossip_to(name);
      return;
    }
    for (std::size_t i = 0; i < gossip_fanout; ++i) gossip_to(reachable[(gossip_cursor_ + i) % reachable.size()]);
    gossip_cursor_ = (gossip_cursor_ + gossip_fanout) % reachable.size();
  }

  void gossip_to(const std::string& node) {
    member_gossip g;
    for (auto& [name, m] : members_) g.members.push_back({name, m.address, m.state == member_state::left});
    net_.send_to_name(node, "troupe.membership", make_envelope<member_gossip>(self(), std::move(g)));
  }

  void on_gossip(const member_gossip& g) {
    for (auto& e : g.members) {
      if (e.name == system().node_name() || e.name.starts_with('~') || e.name.empty()) continue;
      auto it = members_.find(e.name);
      if (it == members_.end()) {
        if (e.left) continue;
        member m{e.name, e.address, 0, member_state::joining, false};
        members_[e.name] = m;
        log()->info("learnt of member '{}' at {}; connecting", e.name, e.address);
        record(m, "learnt of by gossip");
        publish(&members_[e.name]);
        if (!e.address.empty()) net_.connect(e.address);
      } else if (e.left && it->second.state != member_state::up && it->second.state != member_state::left) {
        it->second.state = member_state::left;
        down_since_.erase(e.name);
        if (events_) events_->record("member.removed", e.name, {}, {}, "removed on another member");
        publish(&it->second);
      }
    }
  }

  /// Removes the members down for `auto_down_after`, if this node sees a majority.
  void auto_down() {
    if (config_.auto_down_after <= duration::zero() || down_since_.empty() || !view_.has_quorum()) return;
    const auto now = system().clock().now();
    std::vector<std::string> due;
    for (auto& [name, since] : down_since_)
      if (now - since >= config_.auto_down_after) due.push_back(name);
    for (auto& name : due) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - down_since_[name]).count();
      log()->warn("auto-down: member '{}' has been down for {} ms", name, ms);
      remove(name, "auto-down after " + std::to_string(ms) + " ms down");
    }
  }

  /// An operator's down: a member that is down here leaves the cluster, everywhere (gossip).
  void remove(const std::string& name, const std::string& why = "troupectl down") {
    auto it = members_.find(name);
    if (it == members_.end() || it->second.self) return (void)log()->warn("down: no member named '{}'", name);
    auto& m = it->second;
    if (m.state == member_state::left) return;
    if (m.state == member_state::up || m.state == member_state::suspect)
      return (void)log()->warn("down: member '{}' is {} here; only a member that is down is removed", name, to_string(m.state));
    m.state = member_state::left;
    down_since_.erase(name);
    log()->warn("member '{}' removed from the cluster (down)", name);
    if (events_) events_->record("member.removed", name, {}, {}, why);
    publish(&m);
    for (auto& [peer, p] : members_)
      if (!p.self && (p.state == member_state::up || p.state == member_state::suspect)) gossip_to(peer);
  }

  void on_subscribe(const pid& who) {
    subscribers_.push_back(who);
    monitor(who);
    for (auto& [name, m] : members_) send(who, event_of(m));
  }

  static member_event event_of(const member& m) { return {m.name, m.address, m.creation, to_string(m.state)}; }

  /// Puts member `m`'s new state on the timeline.
  void record(const member& m, std::string detail) {
    if (events_) events_->record("member." + std::string(to_string(m.state)), m.name, {}, {}, std::move(detail));
  }

  void publish(const member* changed) {
    std::vector<member> all;
    for (auto& [name, m] : members_) all.push_back(m);
    view_.publish(std::move(all), changed);
    if (changed)
      for (auto& s : subscribers_) send(s, event_of(*changed));
  }

  transport::network& net_;
  membership_view& view_;
  membership_config config_;
  event_timeline* events_;  ///< may be null
  std::map<std::string, member> members_;
  std::vector<pid> subscribers_;
  std::unique_ptr<seed_resolver> resolver_;  ///< only when some seeds are names
  std::map<std::string, time_point> down_since_;  ///< members down here, since when (auto-down)
  /// Members gossiped to per round (memberlist's GossipNodes); where the next round starts.
  static constexpr std::size_t gossip_fanout = 3;
  std::size_t gossip_cursor_ = 0;
};

pid start_membership(actor_system& sys, transport::network& net, membership_view& view, membership_config config,
                     event_timeline* events) {
  pid me = sys.spawn<membership_process>(net, view, config, events);
  // Subscribe now, not in the process's first turn: a seed dialled right after this returns
  // must not come up unseen.
  auto* s = &sys;
  net.on_peer_event([s, me](const transport::peer_event& ev) {
    s->deliver_local(me, make_envelope<detail::peer_changed>(pid{}, detail::peer_changed{ev}));
  });
  // Addresses are dialled now, in the caller's order (the simulation relies on it); names wait
  // for the process's resolver.
  for (auto& seed : config.seeds) {
    auto parsed = parse_seed(seed);
    if (parsed && !*parsed && seed != net.address()) net.connect(seed);
    if (!parsed) log()->warn("seed '{}' ignored: {}", seed, parsed.error().message());
  }
  return me;
}

}  // namespace troupe
