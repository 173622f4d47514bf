#include "simulation/workload.hpp"

#include "troupe/node/spawner.hpp"
#include "simulation/workload_actors.hpp"

namespace troupe::sim {

using std::chrono::milliseconds;

void workload::act() {
  auto now = world_.elapsed();
  if (!children_started_ && now >= milliseconds(300)) start_children();
  if (now >= stop_at_) return;
  auto& r = world_.random();
  // About one operation of each kind every 100-400 ms.
  if (r.chance(1.0 / 150)) register_name();
  if (r.chance(1.0 / 400)) kill_one(holders_, "name holder");
  if (r.chance(1.0 / 200)) watch();
  if (r.chance(1.0 / 400)) kill_one(targets_, "monitored process");
  if (r.chance(1.0 / 300)) stream();
}

std::optional<std::size_t> workload::some_node() {
  std::vector<std::size_t> ready;
  for (std::size_t i = 0; i < world_.size(); ++i)
    if (world_.at(i).up() && !world_.at(i).paused) ready.push_back(i);
  if (ready.empty()) return std::nullopt;
  return ready[world_.random().below(ready.size())];
}

void workload::start_children() {
  children_started_ = true;
  for (std::size_t c = 0; c < children; ++c) {
    auto i = some_node();
    if (!i) return;
    global_child_spec spec;
    spec.id = "child-" + std::to_string(c);
    spec.type = "sim.child";
    spec.args = spawn_args(spec.id);
    if (c % 2 == 0) spec.name = "global-" + spec.id;
    auto& m = world_.at(*i);
    if (auto r = m.supervisor->start_child(spec); !r)
      world_.log().note("start_child " + spec.id + " on " + m.name + " failed: " + r.error().message());
    else
      world_.log().note("start_child " + spec.id + " on " + m.name);
  }
}

void workload::register_name() {
  auto i = some_node();
  if (!i) return;
  auto& m = world_.at(*i);
  std::string name = "name-" + std::to_string(world_.random().below(names));
  pid p = m.n->system().spawn<placeholder>();
  if (auto r = m.names->register_name(name, p); r) {
    holders_.push_back(p);
    world_.log().note("register " + name + " -> " + p.to_string());
  } else {
    m.n->system().exit(p, exit_reason::kill());
  }
}

void workload::kill_one(std::vector<pid>& among, const char* what) {
  std::erase_if(among, [&](const pid& p) { return !world_.alive(p); });
  if (among.empty()) return;
  pid p = among[world_.random().below(among.size())];
  auto* m = world_.owner_of(p);
  if (!m || m->paused) return;
  world_.log().note(std::string("kill ") + what + " " + p.to_string());
  m->n->system().exit(p, exit_reason::kill());
}

void workload::watch() {
  auto a = some_node(), b = some_node();
  if (!a || !b || *a == *b) return;
  pid target = world_.at(*b).n->system().spawn<placeholder>();
  targets_.push_back(target);
  pid w = world_.at(*a).n->system().spawn<watcher>(world_.log(), target);
  world_.log().note("watch " + target.to_string() + " from " + w.to_string());
}

void workload::stream() {
  auto a = some_node(), b = some_node();
  if (!a || !b || *a == *b) return;
  pid receiver = world_.at(*b).n->system().spawn<stream_receiver>(world_.log());
  auto period = milliseconds(world_.random().between(10, 60));
  pid sender = world_.at(*a).n->system().spawn<stream_sender>(world_.log(), receiver, period);
  world_.log().note("stream " + sender.to_string() + " -> " + receiver.to_string());
}

}  // namespace troupe::sim
