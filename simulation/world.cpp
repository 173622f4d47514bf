#include "simulation/world.hpp"

#include "troupe/node/log.hpp"
#include "troupe/node/stepped_executor.hpp"
#include "simulation/workload_actors.hpp"

namespace troupe::sim {

world::world(std::uint64_t seed, world_options options)
    : options_(std::move(options)), start_(clock_.now()), random_(seed), wire_(clock_, random_) {
  register_workload_types();
  set_current_history(&history_);
  history_.start = history_.now = start_;
  members_.resize(options_.nodes);
  for (std::size_t i = 0; i < members_.size(); ++i) {
    members_[i].name = "n" + std::to_string(i + 1);
    members_[i].address = "sim://" + members_[i].name;
    (void)intern_node(members_[i].name);  // indices in name order, whatever ran before
    (void)wire_.slot_of(members_[i].address);
  }
  for (std::size_t i = 0; i < members_.size(); ++i)
    if (!options_.late.contains(i)) start(i);
}

world::~world() {
  // Graceful: every node stops (services first), so no process outlives its node.
  for (auto& m : members_) {
    if (!m.up()) continue;
    m.net->crash();
    m.supervisor.reset();
    m.names.reset();
    m.n.reset();
  }
  set_current_history(nullptr);
}

void world::start(std::size_t i) {
  auto& m = members_.at(i);
  if (m.up()) return;
  m.creation += 1;
  m.paused = false;
  node_config config;
  config.name = m.name;
  config.creation = m.creation;
  auto net_config = options_.net;
  if (auto it = options_.cookie_of.find(i); it != options_.cookie_of.end()) net_config.cookie = it->second;
  config.transport = net_config;
  config.membership = options_.membership;
  if (options_.late.contains(i) && i != 0) config.seeds.push_back(members_[0].address);
  else
    for (auto& other : members_)
      if (&other != &m) config.seeds.push_back(other.address);
  node_runtime runtime;
  runtime.deterministic = true;
  runtime.shared_clock = &clock_;
  transport::simulated_network* net = nullptr;
  runtime.make_network = [&](actor_system& sys) {
    auto made = std::make_unique<transport::simulated_network>(sys, wire_, m.address, net_config);
    net = made.get();
    return made;
  };
  auto n = cluster_node::start(std::move(config), std::move(runtime));
  if (!n) throw std::runtime_error("cannot start simulated node " + m.name + ": " + n.error().message());
  m.n = std::move(*n);
  m.net = net;
  net->on_peer_event([this, me = m.name](const transport::peer_event& ev) {
    history_.note(me + " sees " + ev.name + " (creation " + std::to_string(ev.creation) + ") " +
                  (ev.up ? "up" : "down: " + ev.reason));
  });
  global_registry_options names;
  names.members = &m.n->membership();
  m.names = start_global_registry(m.n->system(), m.n->network(), std::move(names));
  auto gs = options_.supervisor;
  gs.register_name = [names = m.names.get()](const std::string& name, const pid& p) { return names->register_name(name, p); };
  gs.unregister_name = [names = m.names.get()](const std::string& name, const pid& p) { names->unregister_name(name, p); };
  m.supervisor = start_global_supervisor(*m.n, std::move(gs));
  history_.note("start " + m.name + " (creation " + std::to_string(m.creation) + ")");
}

void world::crash(std::size_t i) {
  auto& m = members_.at(i);
  if (!m.up()) return;
  history_.note("crash " + m.name);
  m.net->crash();
  m.supervisor.reset();
  m.names.reset();
  m.n.reset();  // its processes end here, on this thread; nothing leaves the node
  m.net = nullptr;
  m.paused = false;
}

void world::set_paused(std::size_t i, bool paused) {
  auto& m = members_.at(i);
  if (!m.up() || m.paused == paused) return;
  m.paused = paused;
  wire_.set_paused(wire_.slot_of(m.address), paused);
  history_.note((paused ? "pause " : "resume ") + m.name);
}

world::member* world::owner_of(const pid& p) {
  for (auto& m : members_)
    if (m.up() && m.n->system().node() == p.node) return m.creation == p.creation ? &m : nullptr;
  return nullptr;
}

bool world::alive(const pid& p) {
  auto* m = owner_of(p);
  return m && m->n->system().alive(p);
}

void world::step() {
  candidates_.clear();
  auto now = clock_.now();
  for (std::size_t i = 0; i < members_.size(); ++i) {
    auto& m = members_[i];
    if (!m.up() || m.paused) continue;
    if (m.n->system().stepper()->pending() > 0) candidates_.push_back({action::turn, i});
    if (m.net->next_housekeeping() <= now) candidates_.push_back({action::housekeeping, i});
  }
  links_.clear();
  wire_.ready_links(links_);
  for (auto& [from, to] : links_) candidates_.push_back({action::deliver, from, to});
  if (candidates_.empty()) return tick();
  const action a = candidates_[random_.below(candidates_.size())];
  mix(a.kind);
  mix(a.a * 131 + a.b);
  ++steps_;
  switch (a.kind) {
    case action::turn: members_[a.a].n->system().stepper()->dispatch_next(); break;
    case action::housekeeping: members_[a.a].net->housekeeping(); break;
    case action::deliver: wire_.deliver_head(a.a, a.b); break;
  }
}

void world::tick() {
  clock_.advance(std::chrono::milliseconds(1));
  history_.now = clock_.now();
  for (auto& m : members_)
    if (m.up() && !m.paused) m.n->system().advance_time({});
  if (each_ms) each_ms();
}

void world::run_for(duration d) {
  auto until = clock_.now() + d;
  while (clock_.now() < until) step();
}

void world::mix(std::uint64_t v) noexcept {
  hash_ ^= v;
  hash_ *= 0x100000001b3ULL;
}

}  // namespace troupe::sim
