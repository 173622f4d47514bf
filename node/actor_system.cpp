#include "troupe/node/actor_system.hpp"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "troupe/node/asio_executor.hpp"
#include "troupe/node/log.hpp"
#include "troupe/node/stepped_executor.hpp"

namespace troupe {
namespace {

std::uint32_t pick_creation() {
  // Random, so a node restarted within the same second still gets a new creation.
  std::random_device rd;
  std::uint32_t c = rd();
  return c == 0 ? 1 : c;
}

}  // namespace

actor_system::actor_system(actor_system_config config)
    : config_(std::move(config)),
      node_(intern_node(config_.node_name)),
      creation_(config_.creation ? config_.creation : pick_creation()) {
  if (config_.batch == 0) config_.batch = 1;
  if (config_.deterministic) {
    if (!config_.shared_clock) owned_clock_ = std::make_unique<manual_clock>();
    clock_ = config_.shared_clock ? config_.shared_clock : owned_clock_.get();
    auto stepper = std::make_unique<stepped_executor>();
    stepper_ = stepper.get();
    executor_ = std::move(stepper);
  } else {
    owned_clock_ = std::make_unique<steady_clock>();
    clock_ = owned_clock_.get();
    std::size_t threads = config_.threads ? config_.threads : std::max(1u, std::thread::hardware_concurrency());
    config_.threads = threads;
    executor_ = std::make_unique<asio_executor>(threads, [this] { fire_timers(); });
  }
}

actor_system::~actor_system() { shutdown(); }

// --- spawning -------------------------------------------------------------------------------------

pid actor_system::allocate_pid() noexcept {
  return pid{node_, creation_, next_serial_.fetch_add(1, std::memory_order_relaxed)};
}

pid actor_system::start(actor* a, const std::function<void(actor&)>& before_publish,
                        const std::function<void(const pid&)>& before_run) {
  if (shutting_down()) {
    delete a;
    return {};
  }
  a->system_ = this;
  a->self_ = allocate_pid();
  if (before_publish) before_publish(*a);
  a->scheduled_.store(true, std::memory_order_relaxed);  // the first turn below
  table_.insert(a->self_.serial, a);                      // the table's reference
  counters_.spawned.fetch_add(1, std::memory_order_relaxed);
  intrusive_add_ref(a);  // the first turn's reference
  pid p = a->self_;
  // Whoever learns the pid here may use it at once (a spawn reply, then a monitor): it must be in
  // the table by now, or the monitor finds no process and fires noproc (found by the demo).
  if (before_run) before_run(p);
  executor_->schedule(a);
  return p;
}

pid actor_system::spawn_prepared(actor* a, const pid& link_to, const pid& watcher, ref_id ref,
                                 const std::function<void(const pid&)>& before_run) {
  return start(
      a,
      [&](actor& c) {
        if (link_to) c.links_.push_back(link_to);
        if (watcher && ref) c.watchers_.emplace_back(ref, watcher);
      },
      before_run);
}

pid actor_system::start_detached(actor* a) {
  if (shutting_down()) {
    delete a;
    return {};
  }
  a->system_ = this;
  a->self_ = allocate_pid();
  a->started_ = true;
  a->detached_ = true;
  detached_count_.fetch_add(1, std::memory_order_relaxed);
  a->scheduled_.store(true, std::memory_order_relaxed);  // its own thread runs it
  table_.insert(a->self_.serial, a);
  counters_.spawned.fetch_add(1, std::memory_order_relaxed);
  return a->self_;
}

void actor_system::remove(actor& a) noexcept {
  {
    std::unique_lock lock(names_mutex_);
    std::lock_guard info(a.info_lock_);
    if (!a.name_.empty()) names_.erase(a.name_);
  }
  counters_.exited.fetch_add(1, std::memory_order_relaxed);
  if (a.detached_) detached_count_.fetch_sub(1, std::memory_order_relaxed);
  // Take the exit mutex so a shutdown waiting for the last process cannot miss the notification.
  std::lock_guard lock(exit_mutex_);
  table_.erase(a.self_.serial);  // may drop the table's reference; the caller still holds one
  if (table_.size() <= detached_count_.load()) all_exited_.notify_all();
}

// --- delivery ---------------------------------------------------------------------------------------

void actor_system::deliver(const pid& to, envelope_ptr e) noexcept {
  if (is_local(to)) return deliver_local(to, std::move(e));
  // Count ourselves in before reading the router, so set_remote_router(nullptr) can wait us out.
  routing_.fetch_add(1, std::memory_order_seq_cst);
  if (auto* r = router_.load(std::memory_order_seq_cst)) e = r->route(to, std::move(e));
  routing_.fetch_sub(1, std::memory_order_release);
  if (e) bounce(to, std::move(e));
}

void actor_system::set_remote_router(remote_router* r) noexcept {
  router_.store(r, std::memory_order_seq_cst);
  if (r) return;
  while (routing_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
}

void actor_system::deliver_local(const pid& to, envelope_ptr e) noexcept {
  actor* wake = nullptr;
  const bool kill = e->type->signal && holds<signals::exit>(*e) && !payload<signals::exit>(*e).linked &&
                    payload<signals::exit>(*e).reason == exit_reason::kind::kill;
  const bool stop_now = e->type->signal && holds<signals::node_shutdown>(*e);
  bool found = is_local(to) && table_.with(to.serial, [&](actor& a) {
    if (kill) a.urgent_.store(actor::urgent_kill, std::memory_order_release);
    if (stop_now) a.urgent_.store(actor::urgent_shutdown, std::memory_order_release);
    if (a.push(e.release())) {
      intrusive_add_ref(&a);
      wake = &a;
    }
  });
  if (wake) wake->wake();
  if (!found) bounce(to, std::move(e));
}

void actor_system::deliver_to_name(std::string_view node, std::string_view name, envelope_ptr e) noexcept {
  if (node == node_name()) {
    if (auto p = whereis(name)) return deliver_local(*p, std::move(e));
    return bounce_name(name, std::move(e));
  }
  routing_.fetch_add(1, std::memory_order_seq_cst);
  if (auto* r = router_.load(std::memory_order_seq_cst)) e = r->route_to_name(node, name, std::move(e));
  routing_.fetch_sub(1, std::memory_order_release);
  if (!e) return;
  if (holds<signals::monitor>(*e)) {  // as Erlang: a monitor towards an unreachable node
    auto ref = payload<signals::monitor>(*e).ref;
    deliver(e->from, make_envelope<signals::down>(pid{}, signals::down{ref, exit_reason::noconnection()}));
  } else if (!e->type->signal) {
    counters_.dead_letters.fetch_add(1, std::memory_order_relaxed);
  }
}

void actor_system::bounce_name(std::string_view name, envelope_ptr e) noexcept {
  if (holds<signals::monitor>(*e)) {
    deliver(e->from, make_envelope<signals::down>(pid{}, signals::down{payload<signals::monitor>(*e).ref, exit_reason::noproc()}));
  } else if (!e->type->signal) {
    counters_.dead_letters.fetch_add(1, std::memory_order_relaxed);
    log()->debug("dead letter '{}' from {} to unregistered name '{}'", e->type->name, e->from.to_string(), name);
  }
}

std::vector<std::string> actor_system::connected_nodes() const {
  routing_.fetch_add(1, std::memory_order_seq_cst);
  struct leave {
    std::atomic<std::uint32_t>& n;
    ~leave() { n.fetch_sub(1, std::memory_order_release); }
  } guard{routing_};
  auto* r = router_.load(std::memory_order_seq_cst);
  return r ? r->connected_nodes() : std::vector<std::string>{};
}

void actor_system::bounce(const pid& to, envelope_ptr e) noexcept {
  // The target does not exist: a link or monitor on it fires noproc at once; a message is a
  // dead letter; other signals to the dead are meaningless and dropped.
  if (holds<signals::link>(*e)) {
    deliver(e->from, make_envelope<signals::exit>(to, signals::exit{exit_reason::noproc(), true}));
  } else if (holds<signals::monitor>(*e)) {
    deliver(e->from, make_envelope<signals::down>(to, signals::down{payload<signals::monitor>(*e).ref, exit_reason::noproc()}));
  } else if (!e->type->signal) {
    counters_.dead_letters.fetch_add(1, std::memory_order_relaxed);
    log()->debug("dead letter '{}' from {} to {}", e->type->name, e->from.to_string(), to.to_string());
  }
}

void actor_system::exit(const pid& target, exit_reason reason) {
  deliver(target, make_envelope<signals::exit>(pid{}, signals::exit{std::move(reason), false}));
}

// --- timers -----------------------------------------------------------------------------------------

timer_handle actor_system::start_timer(time_point deadline, std::function<void()> fn) {
  auto state = std::make_shared<timer_state>();
  if (timers_.schedule(deadline, state, std::move(fn))) executor_->arm_timer(deadline);
  return timer_handle(std::move(state));
}

timer_handle actor_system::send_after(const pid& to, duration delay, envelope_ptr e) {
  return send_at(to, clock_->now() + delay, std::move(e));
}

timer_handle actor_system::send_at(const pid& to, time_point deadline, envelope_ptr e) {
  auto state = std::make_shared<timer_state>();
  auto held = std::make_shared<envelope_ptr>(std::move(e));
  auto fire = [this, to, held, weak = std::weak_ptr<timer_state>(state)] {
    auto s = weak.lock();
    if (!s) return;
    if (!is_local(to)) {
      // Off-node, a cancel can only stop the timer before it fires.
      s->try_deliver();
      return deliver(to, std::move(*held));
    }
    auto from = (*held)->from;
    deliver_local(to, make_envelope<detail::timed_message>(from, detail::timed_message{s, std::move(*held)}));
  };
  if (timers_.schedule(deadline, state, std::move(fire))) executor_->arm_timer(deadline);
  return timer_handle(std::move(state));
}

std::optional<duration> actor_system::read_timer(const timer_handle& t) const noexcept {
  // key_deadline is written once, when the timer is scheduled, before its handle exists.
  if (!t || t.state()->phase.load(std::memory_order_acquire) != timer_state::pending) return std::nullopt;
  return std::max(t.state()->key_deadline - clock_->now(), duration::zero());
}

bool actor_system::cancel_timer(const timer_handle& t) noexcept {
  if (!t) return false;
  bool stopped = t.state()->try_cancel();
  if (stopped) timers_.erase(*t.state());
  return stopped;
}

void actor_system::fire_timers() {
  timers_.fire_due(clock_->now());
  if (auto next = timers_.next_deadline()) executor_->arm_timer(*next);
}

void actor_system::advance_time(duration d) {
  if (auto* m = dynamic_cast<manual_clock*>(owned_clock_.get())) m->advance(d);
  fire_timers();
}

// --- names ------------------------------------------------------------------------------------------

result<void> actor_system::register_name(const std::string& name, const pid& p) {
  if (name.empty()) return fail(errc::invalid_argument, "empty name");
  std::unique_lock lock(names_mutex_);
  if (auto it = names_.find(name); it != names_.end())
    return fail(errc::name_taken, "'" + name + "' is registered to " + it->second.to_string());
  result<void> out;
  bool found = is_local(p) && table_.with(p.serial, [&](actor& a) {
    std::lock_guard info(a.info_lock_);
    if (a.terminated_ || !a.name_.empty()) {
      out = fail(errc::invalid_argument, p.to_string() + " already has the name '" + a.name_ + "'");
      return;
    }
    a.name_ = name;
  });
  if (!found) return fail(errc::noproc, p.to_string() + " is not a live local process");
  if (out) names_.emplace(name, p);
  return out;
}

bool actor_system::unregister_name(const std::string& name) {
  std::unique_lock lock(names_mutex_);
  auto it = names_.find(name);
  if (it == names_.end()) return false;
  table_.with(it->second.serial, [&](actor& a) {
    std::lock_guard info(a.info_lock_);
    a.name_.clear();
  });
  names_.erase(it);
  return true;
}

std::optional<pid> actor_system::whereis(std::string_view name) const {
  std::shared_lock lock(names_mutex_);
  auto it = names_.find(name);
  if (it == names_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::pair<std::string, pid>> actor_system::registered_names() const {
  std::shared_lock lock(names_mutex_);
  return {names_.begin(), names_.end()};
}

// --- introspection ------------------------------------------------------------------------------------

std::optional<process_info> actor_system::info(const pid& p) {
  std::optional<process_info> out;
  if (is_local(p)) table_.with(p.serial, [&](actor& a) { out = a.info(); });
  return out;
}

bool actor_system::alive(const pid& p) {
  return is_local(p) && table_.with(p.serial, [](actor&) {});
}

std::vector<pid> actor_system::processes() const {
  std::vector<pid> out;
  for (actor* a : table_.snapshot()) {
    out.push_back(a->self());
    intrusive_release(a);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// --- shutdown ---------------------------------------------------------------------------------------------

void actor_system::shutdown(duration grace) {
  if (shutting_down_.exchange(true)) {
    executor_->stop();
    return;
  }
  for (actor* a : table_.snapshot()) {
    deliver_local(a->self(), make_envelope<signals::node_shutdown>(pid{}));
    intrusive_release(a);
  }
  if (stepper_) {
    stepper_->run_until_idle();
  } else {
    std::unique_lock lock(exit_mutex_);
    // Blocking (scoped) actors belong to their threads: they see the shutdown signal when they
    // next receive, and end when their owner lets them go. The scheduler need not wait for them.
    auto settled = [&] { return table_.size() <= detached_count_.load(); };
    if (!all_exited_.wait_for(lock, grace, settled))
      log()->warn("node {}: {} processes still running after the shutdown grace period", config_.node_name,
                  table_.size() - detached_count_.load());
  }
  executor_->stop();
}

}  // namespace troupe
