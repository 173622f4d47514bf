#include "troupe/node/behaviour/worker_pool.hpp"

#include <algorithm>

#include "troupe/node/behaviour/gen_server_call.hpp"
#include "troupe/node/behaviour/worker_pool_messages.hpp"

namespace troupe {

namespace {
/// The caller's own deadline is later than the pool's, so the pool's `timeout` answer (and
/// never a worker sent to a caller that gave up) is what a waiting caller sees.
constexpr duration reply_margin = std::chrono::seconds(1);
}  // namespace

worker_pool::worker_pool(worker_pool_options opts, child_spec worker) : opts_(opts), worker_(std::move(worker)) {}

init_result worker_pool::init() {
  trap_exit(true);
  for (std::size_t i = 0; i < opts_.size; ++i)
    if (pid w = start_worker()) idle_.push_back(w);
  return init_result::ok();
}

behavior worker_pool::make_handlers() {
  return {
      [this](const detail::pool_checkout& c) { on_checkout(c.owner, c.timeout, c.block, current_call()); },
      [this](const detail::pool_checkin& c) { on_checkin(c.worker); },
      [this](const detail::pool_status_request&) { return detail::pool_status_reply{tally()}; },
      [this](const detail::pool_waiter_deadline& d) { on_deadline(d.id); },
      [this](const exit_msg& m) { on_worker_exit(m); },
      [this](const down_msg& d) { on_owner_down(d); },
      [](const started_msg&) {},
  };
}

void worker_pool::terminate(const exit_reason&) {
  for (auto& [serial, w] : workers_) exit(w, exit_reason::shutdown());
}

pid worker_pool::start_worker() {
  pid w = worker_.start(*this).child;
  if (w) workers_[w.serial] = w;
  return w;
}

void worker_pool::dismiss(const pid& worker) {
  workers_.erase(worker.serial);
  unlink(worker);
  exit(worker, exit_reason::shutdown());
}

void worker_pool::lend(const pid& worker, const pid& owner, const reply_to& to) {
  loan l{owner, owner ? monitor(owner) : 0};
  loans_[worker.serial] = l;
  reply(to, detail::pool_checkout_reply{worker});
}

void worker_pool::on_checkout(const pid& owner, duration timeout, bool block, reply_to to) {
  if (!idle_.empty()) {
    pid w = idle_.front();
    idle_.pop_front();
    return lend(w, owner, to);
  }
  if (overflow_ < opts_.max_overflow) {
    if (pid w = start_worker()) {
      ++overflow_;
      return lend(w, owner, to);
    }
  }
  if (!block) return reply(to, detail::pool_checkout_reply{fail(errc::overloaded, "pool is full")});
  std::uint64_t id = ++next_waiter_;
  waiting_.push_back({to, owner, id, send_after(self(), timeout, detail::pool_waiter_deadline{id})});
}

void worker_pool::on_deadline(std::uint64_t id) {
  auto it = std::find_if(waiting_.begin(), waiting_.end(), [&](auto& w) { return w.id == id; });
  if (it == waiting_.end()) return;
  reply(it->to, detail::pool_checkout_reply{fail(errc::timeout, "no worker came free in time")});
  waiting_.erase(it);
}

void worker_pool::on_checkin(const pid& worker) {
  auto it = loans_.find(worker.serial);
  if (it == loans_.end()) return;  // not lent (a double checkin, or it died meanwhile)
  if (it->second.monitor) demonitor(it->second.monitor);
  loans_.erase(it);
  if (!waiting_.empty()) {
    waiter w = std::move(waiting_.front());
    waiting_.pop_front();
    cancel_timer(w.deadline);
    return lend(worker, w.owner, w.to);
  }
  if (overflow_ > 0) {
    --overflow_;
    return dismiss(worker);
  }
  idle_.push_back(worker);
}

void worker_pool::on_owner_down(const down_msg& d) {
  std::vector<pid> returned;
  for (auto& [serial, l] : loans_)
    if (l.monitor == d.ref) returned.push_back(workers_[serial]);
  for (auto& w : returned) on_checkin(w);
}

/// As poolboy: an idle worker that dies is replaced; a lent one is replaced (for the first
/// waiter, if any) unless it was an overflow worker.
void worker_pool::on_worker_exit(const exit_msg& m) {
  if (m.from == parent_pid()) return stop(m.reason);
  if (workers_.erase(m.from.serial) == 0) return;
  auto lent = loans_.find(m.from.serial);
  if (lent == loans_.end()) {
    std::erase(idle_, m.from);
    if (pid fresh = start_worker()) idle_.push_back(fresh);
    return;
  }
  if (lent->second.monitor) demonitor(lent->second.monitor);
  loans_.erase(lent);
  if (waiting_.empty() && overflow_ > 0) {
    --overflow_;
    return;
  }
  pid fresh = start_worker();
  if (!fresh) return;
  if (waiting_.empty()) return idle_.push_back(fresh);
  waiter w = std::move(waiting_.front());
  waiting_.pop_front();
  cancel_timer(w.deadline);
  lend(fresh, w.owner, w.to);
}

worker_pool_status worker_pool::tally() const {
  return {idle_.size(), overflow_, loans_.size(), waiting_.size()};
}

// --- control API ---------------------------------------------------------------------------

result<pid> worker_pool::checkout(actor_system& sys, const pid& pool, const pid& owner, duration timeout, bool block) {
  auto req = make_envelope<detail::pool_checkout>(pid{}, detail::pool_checkout{owner, timeout, block});
  auto r = detail::unwrap_reply<detail::pool_checkout_reply>(detail::blocking_call(sys, pool, std::move(req), timeout + reply_margin));
  if (!r) return std::unexpected(r.error());
  return std::move(r->worker);
}

void worker_pool::checkin(actor_system& sys, const pid& pool, const pid& worker) {
  sys.send(pool, detail::pool_checkin{worker});
}

result<worker_pool_status> worker_pool::status(actor_system& sys, const pid& pool) {
  auto req = make_envelope<detail::pool_status_request>(pid{});
  auto r = detail::unwrap_reply<detail::pool_status_reply>(detail::blocking_call(sys, pool, std::move(req), default_call_timeout));
  if (!r) return std::unexpected(r.error());
  return r->status;
}

void worker_pool::checkout(actor& self, const pid& pool, duration timeout, std::function<void(result<pid>)> done, bool block) {
  self.request<detail::pool_checkout_reply>(pool, detail::pool_checkout{self.self(), timeout, block}, timeout + reply_margin,
                                            [k = std::move(done)](result<detail::pool_checkout_reply> r) {
                                              if (!r) return k(std::unexpected(r.error()));
                                              k(std::move(r->worker));
                                            });
}

void worker_pool::checkin(actor& self, const pid& pool, const pid& worker) { self.send(pool, detail::pool_checkin{worker}); }

}  // namespace troupe
