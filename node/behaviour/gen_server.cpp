#include "troupe/node/behaviour/gen_server.hpp"

#include "troupe/node/actor_system.hpp"
#include "troupe/node/behaviour/gen_server_stop.hpp"
#include "troupe/node/behaviour/start_name.hpp"
#include "troupe/node/log.hpp"

namespace troupe {

void gen_server::handle_continue(std::any&) {}

void gen_server::terminate(const exit_reason&) {}

behavior gen_server::make_behavior() {
  handlers_ = make_handlers();
  return {};  // dispatch goes through on_message, which also routes handle_info
}

void gen_server::on_start() {
  if (!register_start_name()) {
    actor::stop(exit_reason::normal());
    return;
  }
  run_init();
}

bool gen_server::register_start_name() {
  if (auto r = detail::claim_start_name(*this, start_); !r) {
    acknowledge_start(start_outcome::name_taken, exit_reason::shutdown(r.error().message()));
    return false;
  }
  named_ = std::holds_alternative<via>(start_.name);
  return true;
}

void gen_server::unregister_start_name() {
  if (named_) detail::release_start_name(*this, start_);
  named_ = false;
}

void gen_server::run_init() {
  init_result r = init_result::stop(exit_reason::error("init did not run"));
  try {
    r = init();
  } catch (const std::exception& ex) {
    r = init_result::stop(exit_reason::error(ex.what()));
  } catch (...) {
    r = init_result::stop(exit_reason::error("unknown exception in init"));
  }
  switch (r.what()) {
    case init_result::kind::ok:
      running_ = true;
      if (!ack_deferred_) acknowledge_start(start_outcome::ok);
      if (r.has_continue()) continue_with(r.take_continue());
      run_continues();
      hibernate_if_due();
      return;
    case init_result::kind::ignore:
      acknowledge_start(start_outcome::ignored);
      actor::stop(exit_reason::normal());
      return;
    case init_result::kind::stop:
      acknowledge_start(start_outcome::failed, r.reason());
      actor::stop(r.reason());
      return;
  }
}

void gen_server::acknowledge_start(start_outcome outcome, exit_reason reason) {
  if (start_.ack == 0) return;
  send(start_.starter, started_msg{start_.ack, self(), outcome, std::move(reason)});
  start_.ack = 0;
}

void gen_server::on_message(envelope& e) {
  try {
    dispatch_callback(e);
    run_continues();
    hibernate_if_due();
  } catch (...) {
    terminate_due_ = true;  // the crash ends the server: terminate runs with the error reason
    throw;
  }
}

void gen_server::dispatch_callback(envelope& e) {
  // troupe::stop (gen_server:stop/3): the engine's own request, whatever the handlers are.
  if (holds<detail::gen_server_stop_request>(e)) return stop(payload<detail::gen_server_stop_request>(e).reason);
  if (holds<exit_msg>(e)) {
    auto& m = payload<exit_msg>(e);
    // A server nobody spawned (started from outside any process) treats exit signals from
    // outside, e.g. actor_system::exit, as its parent's.
    if (m.from == parent()) return on_parent_exit(m.reason);
  }
  if (handlers_.dispatch(e, *this)) return;
  handle_info(e);
}

void gen_server::run_continues() {
  while (!continues_.empty()) {
    std::any arg = std::move(continues_.front());
    continues_.pop_front();
    handle_continue(arg);
  }
}

void gen_server::hibernate_if_due() noexcept {
  if (!hibernate_due_) return;
  hibernate_due_ = false;
  continues_.shrink_to_fit();
  release_spare_memory();
}

void gen_server::on_exit(const exit_reason& reason) {
  // terminate runs for the server's own stop or crash, and for any end it saw coming because
  // it traps exits (its parent's shutdown, node shutdown) — never for kill. See the header.
  bool due = terminate_due_ || (trapping_exits() && reason != exit_reason::kind::killed);
  if (running_ && due) {
    try {
      terminate(reason);
    } catch (const std::exception& ex) {
      log()->error("{} threw from terminate: {}", self().to_string(), ex.what());
    }
  }
  unregister_start_name();
}

}  // namespace troupe
