#include "troupe/node/behaviour/supervisor.hpp"

#include <algorithm>
#include <unordered_set>

#include "troupe/node/actor_system.hpp"
#include "troupe/node/behaviour/gen_server_call.hpp"

namespace troupe {

supervisor::supervisor(supervisor_flags flags, std::vector<child_spec> children) : flags_(flags) {
  for (auto& s : children) children_.push_back(child{std::move(s), {}});
}

supervisor::supervisor(supervisor_flags flags, dynamic_mode mode) : flags_(flags), dynamic_(mode) {
  flags_.strategy = strategy::one_for_one;
}

init_result supervisor::init() {
  trap_exit(true);
  std::unordered_set<std::string> ids;
  for (auto& c : children_) {
    if (!ids.insert(c.spec.id).second) return init_result::stop(exit_reason::shutdown("duplicate child id " + c.spec.id));
    if (auto bad = invalid_significance(c.spec)) return init_result::stop(exit_reason::shutdown("invalid child spec: " + *bad));
  }
  defer_start_ack();
  operation op;
  for (auto& c : children_) op.steps.push_back({step_kind::start, c.spec.id});
  op.done = [this](result<pid> r) {
    if (r) return acknowledge_start(start_outcome::ok);
    exit_reason why = exit_reason::shutdown(r.error().context());
    acknowledge_start(start_outcome::failed, why);
    stop(why);
  };
  op.on_start_failure = [this](const std::string& id, const exit_reason& reason) {
    // As OTP: a child that fails to start fails the whole start, started siblings stop first.
    std::string why = "failed_to_start_child " + id + ": " + reason.to_string();
    stop_everything([this, why](result<pid>) {
      exit_reason r = exit_reason::shutdown(why);
      acknowledge_start(start_outcome::failed, r);
      stop(r);
    });
  };
  begin(std::move(op));
  pump();
  return init_result::ok();
}

behavior supervisor::make_handlers() {
  return {
      [this](const exit_msg& m) { on_child_exit(m); },
      [this](const started_msg& m) { on_started(m); },
      [this](const detail::supervisor_kill_timer& t) { on_kill_timer(t); },
      [this](supervisor_start_child& r) { on_start_child(std::move(r.spec), current_call()); },
      [this](const supervisor_terminate_child& r) { on_terminate_child(r, current_call()); },
      [this](const supervisor_restart_child& r) { on_restart_child(r.id, current_call()); },
      [this](const supervisor_delete_child& r) { on_delete_child(r.id, current_call()); },
      [this](const supervisor_which_children&) { return list_children(); },
      [this](const supervisor_get_childspec& r) { return spec_of(r); },
      [this](const supervisor_count_children&) { return tally_children(); },
  };
}

// --- control calls --------------------------------------------------------------------------

void supervisor::when_idle(std::function<void()> call) {
  if (op_ || !deferred_.empty()) {
    deferred_.push_back(deferred{{}, {}, std::move(call)});
    return;
  }
  call();
  pump();
}

void supervisor::terminate(const exit_reason&) {
  // Children still running now are linked to this process: its exit signal reaches them (and
  // trapping gen_servers run terminate on it), so there is nothing to wait for here.
  cancel_timer(kill_timer_);
}

void supervisor::on_start_child(child_spec spec, reply_to to) {
  when_idle([this, spec = std::move(spec), to]() mutable {
    auto answer = [this, to](result<pid> r) { reply(to, supervisor_answer{std::move(r)}); };
    if (stopping_) return answer(fail(errc::shutting_down, "the supervisor is stopping"));
    if (auto bad = invalid_significance(spec)) return answer(fail(errc::invalid_argument, *bad));
    if (dynamic_) {
      if (dynamic_->max_children && children_.size() >= dynamic_->max_children)
        return answer(fail(errc::overloaded, "max_children reached"));
      spec.id = next_dynamic_id();
    } else if (auto* c = find(spec.id)) {
      return answer(fail(errc::invalid_argument, c->process ? "already_started " + c->process.to_string() : "already_present"));
    }
    std::string id = spec.id;
    children_.push_back(child{std::move(spec), {}});
    operation op;
    op.steps.push_back({step_kind::start, id});
    op.done = answer;
    op.on_start_failure = [this, answer](const std::string& failed, const exit_reason& why) {
      erase(failed);  // OTP: a child that fails in start_child is not kept
      op_->steps.clear();
      op_->done = nullptr;
      answer(fail(errc::init_failed, why.to_string()));
    };
    begin(std::move(op));
  });
}

void supervisor::on_terminate_child(const supervisor_terminate_child& req, reply_to to) {
  when_idle([this, req, to] {
    child* c = req.id.empty() ? find(req.child) : find(req.id);
    if (!c) return reply(to, supervisor_answer{fail(errc::not_found, "no child " + (req.id.empty() ? req.child.to_string() : req.id))});
    // OTP: a temporary child's spec, and any dynamic child, goes when it is terminated.
    bool drop = dynamic_ || c->spec.restart == restart_type::temporary;
    operation op;
    op.steps.push_back({step_kind::stop, c->spec.id, drop});
    op.done = [this, to](result<pid>) { reply(to, supervisor_answer{pid{}}); };
    begin(std::move(op));
  });
}

void supervisor::on_restart_child(const std::string& id, reply_to to) {
  when_idle([this, id, to] {
    auto answer = [this, to](result<pid> r) { reply(to, supervisor_answer{std::move(r)}); };
    child* c = find(id);
    if (!c) return answer(fail(errc::not_found, "no child " + id));
    if (c->process) return answer(fail(errc::invalid_argument, "running"));
    operation op;
    op.steps.push_back({step_kind::start, id});
    op.done = answer;
    op.on_start_failure = [this, answer](const std::string&, const exit_reason& why) {
      op_->done = nullptr;
      answer(fail(errc::init_failed, why.to_string()));
    };
    begin(std::move(op));
  });
}

void supervisor::on_delete_child(const std::string& id, reply_to to) {
  when_idle([this, id, to] {
    child* c = find(id);
    if (!c) return reply(to, supervisor_answer{fail(errc::not_found, "no child " + id)});
    if (c->process) return reply(to, supervisor_answer{fail(errc::invalid_argument, "running")});
    erase(id);
    reply(to, supervisor_answer{pid{}});
  });
}

supervisor_children supervisor::list_children() const {
  supervisor_children out;
  for (auto& c : children_)
    out.children.push_back(child_info{dynamic_ ? std::string() : c.spec.id, c.process, c.spec.type, c.spec.restart});
  return out;
}

supervisor_childspec supervisor::spec_of(const supervisor_get_childspec& req) {
  child* c = req.id.empty() ? find(req.child) : find(req.id);
  if (!c) return {fail(errc::not_found, "no child " + (req.id.empty() ? req.child.to_string() : req.id))};
  child_spec out = c->spec;
  if (dynamic_) out.id.clear();  // a dynamic child's id is internal, as which_children shows
  return {std::move(out)};
}

supervisor_counts supervisor::tally_children() const {
  supervisor_counts out;
  out.counts.specs = children_.size();
  for (auto& c : children_) {
    if (c.process) ++out.counts.active;
    ++(c.spec.type == child_type::supervisor ? out.counts.supervisors : out.counts.workers);
  }
  return out;
}

// --- lookup -------------------------------------------------------------------------------

supervisor::child* supervisor::find(const std::string& id) {
  auto it = std::find_if(children_.begin(), children_.end(), [&](auto& c) { return c.spec.id == id; });
  return it == children_.end() ? nullptr : &*it;
}

supervisor::child* supervisor::find(const pid& p) {
  if (!p) return nullptr;
  auto it = std::find_if(children_.begin(), children_.end(), [&](auto& c) { return c.process == p; });
  return it == children_.end() ? nullptr : &*it;
}

std::size_t supervisor::index_of(const std::string& id) const {
  auto it = std::find_if(children_.begin(), children_.end(), [&](auto& c) { return c.spec.id == id; });
  return static_cast<std::size_t>(it - children_.begin());
}

void supervisor::erase(const std::string& id) {
  std::erase_if(children_, [&](auto& c) { return c.spec.id == id; });
}

// --- the control API ------------------------------------------------------------------------

namespace {

template <class Req>
result<supervisor_answer> ask(actor_system& sys, const pid& sup, Req req, duration timeout) {
  return detail::unwrap_reply<supervisor_answer>(
      detail::blocking_call(sys, sup, make_envelope<Req>(pid{}, std::move(req)), timeout));
}

result<pid> flatten(result<supervisor_answer> r) {
  if (!r) return std::unexpected(r.error());
  return std::move(r->value);
}

result<void> drop_pid(result<pid> r) {
  if (!r) return std::unexpected(r.error());
  return {};
}

}  // namespace

result<pid> supervisor::start_child(actor_system& sys, const pid& sup, child_spec spec, duration timeout) {
  return flatten(ask(sys, sup, supervisor_start_child{std::move(spec)}, timeout));
}
result<void> supervisor::terminate_child(actor_system& sys, const pid& sup, const std::string& id, duration timeout) {
  return drop_pid(flatten(ask(sys, sup, supervisor_terminate_child{id, {}}, timeout)));
}
result<pid> supervisor::restart_child(actor_system& sys, const pid& sup, const std::string& id, duration timeout) {
  return flatten(ask(sys, sup, supervisor_restart_child{id}, timeout));
}
result<void> supervisor::delete_child(actor_system& sys, const pid& sup, const std::string& id, duration timeout) {
  return drop_pid(flatten(ask(sys, sup, supervisor_delete_child{id}, timeout)));
}
result<std::vector<child_info>> supervisor::which_children(actor_system& sys, const pid& sup, duration timeout) {
  auto r = detail::unwrap_reply<supervisor_children>(
      detail::blocking_call(sys, sup, make_envelope<supervisor_which_children>(pid{}), timeout));
  if (!r) return std::unexpected(r.error());
  return std::move(r->children);
}
result<child_counts> supervisor::count_children(actor_system& sys, const pid& sup, duration timeout) {
  auto r = detail::unwrap_reply<supervisor_counts>(
      detail::blocking_call(sys, sup, make_envelope<supervisor_count_children>(pid{}), timeout));
  if (!r) return std::unexpected(r.error());
  return r->counts;
}

result<child_spec> supervisor::get_childspec(actor_system& sys, const pid& sup, const std::string& id, duration timeout) {
  return ask_childspec(sys, sup, supervisor_get_childspec{id, {}}, timeout);
}
result<child_spec> supervisor::ask_childspec(actor_system& sys, const pid& sup, supervisor_get_childspec req, duration timeout) {
  auto r = detail::unwrap_reply<supervisor_childspec>(
      detail::blocking_call(sys, sup, make_envelope<supervisor_get_childspec>(pid{}, std::move(req)), timeout));
  if (!r) return std::unexpected(r.error());
  return std::move(r->spec);
}

void supervisor::start_child(actor& self, const pid& sup, child_spec spec, duration timeout, std::function<void(result<pid>)> done) {
  self.request<supervisor_answer>(sup, supervisor_start_child{std::move(spec)}, timeout,
                                  [done = std::move(done)](result<supervisor_answer> r) { done(flatten(std::move(r))); });
}
void supervisor::terminate_child(actor& self, const pid& sup, const std::string& id, duration timeout, std::function<void(result<void>)> done) {
  self.request<supervisor_answer>(sup, supervisor_terminate_child{id, {}}, timeout,
                                  [done = std::move(done)](result<supervisor_answer> r) { done(drop_pid(flatten(std::move(r)))); });
}
void supervisor::restart_child(actor& self, const pid& sup, const std::string& id, duration timeout, std::function<void(result<pid>)> done) {
  self.request<supervisor_answer>(sup, supervisor_restart_child{id}, timeout,
                                  [done = std::move(done)](result<supervisor_answer> r) { done(flatten(std::move(r))); });
}
void supervisor::delete_child(actor& self, const pid& sup, const std::string& id, duration timeout, std::function<void(result<void>)> done) {
  self.request<supervisor_answer>(sup, supervisor_delete_child{id}, timeout,
                                  [done = std::move(done)](result<supervisor_answer> r) { done(drop_pid(flatten(std::move(r)))); });
}
void supervisor::which_children(actor& self, const pid& sup, duration timeout, std::function<void(result<std::vector<child_info>>)> done) {
  self.request<supervisor_children>(sup, supervisor_which_children{}, timeout, [done = std::move(done)](result<supervisor_children> r) {
    if (!r) return done(std::unexpected(r.error()));
    done(std::move(r->children));
  });
}
void supervisor::get_childspec(actor& self, const pid& sup, const std::string& id, duration timeout,
                               std::function<void(result<child_spec>)> done) {
  ask_childspec(self, sup, supervisor_get_childspec{id, {}}, timeout, std::move(done));
}
void supervisor::ask_childspec(actor& self, const pid& sup, supervisor_get_childspec req, duration timeout,
                               std::function<void(result<child_spec>)> done) {
  self.request<supervisor_childspec>(sup, std::move(req), timeout, [done = std::move(done)](result<supervisor_childspec> r) {
    if (!r) return done(std::unexpected(r.error()));
    done(std::move(r->spec));
  });
}
void supervisor::count_children(actor& self, const pid& sup, duration timeout, std::function<void(result<child_counts>)> done) {
  self.request<supervisor_counts>(sup, supervisor_count_children{}, timeout, [done = std::move(done)](result<supervisor_counts> r) {
    if (!r) return done(std::unexpected(r.error()));
    done(r->counts);
  });
}

}  // namespace troupe
