#pragma once
/// @file
/// `agent_process<State>`: the process behind an `agent<State>` (see agent.hpp), and the
/// messages it understands.
///
/// The messages carry C++ closures over the state, so they are local-only
/// (`TROUPE_LOCAL_MESSAGE`): an agent can be used only from its own node. They are type-erased
/// (the state travels as `void*`, the answer as `shared_ptr<void>`) so one set of message types
/// serves every state type; each carries the `type_info` of the state it expects, and the agent
/// refuses a closure written for another type instead of casting blindly.
///
/// sys (node/sys.hpp): `sys::get_state` and `sys::replace_state` see the agent's state when
/// `State` is `sys_packable`; for any other state they answer `not_found`, as a process without
/// inspectable state does.

#include <functional>
#include <memory>
#include <optional>
#include <typeinfo>
#include <utility>

#include "troupe/node/actor.hpp"
#include "troupe/node/actor_system.hpp"
#include "troupe/node/message_type.hpp"
#include "troupe/node/sys_state.hpp"

namespace troupe::detail {

/// A call on the state: runs `fn(&state)` and answers with what it returns.
struct agent_call {
  const std::type_info* state_type = nullptr;
  std::move_only_function<std::shared_ptr<void>(void*)> fn;
};
/// A cast on the state: runs `fn(&state)`, answers nothing.
struct agent_cast {
  const std::type_info* state_type = nullptr;
  std::move_only_function<void(void*)> fn;
};
/// The answer to an `agent_call`. `wrong_type` if the closure was written for another state type.
struct agent_reply {
  std::shared_ptr<void> value;
  bool wrong_type = false;
};
/// Stop with `reason`; if sent as a call, answered with `agent_stopped` once the agent has ended.
struct agent_stop {
  exit_reason reason;
};
struct agent_stopped {};
/// Sent to whoever asked for it once the init function has returned.
struct agent_started {};

}  // namespace troupe::detail

TROUPE_LOCAL_MESSAGE(troupe::detail::agent_call, "troupe.agent.call");
TROUPE_LOCAL_MESSAGE(troupe::detail::agent_cast, "troupe.agent.cast");
TROUPE_LOCAL_MESSAGE(troupe::detail::agent_reply, "troupe.agent.reply");
TROUPE_LOCAL_MESSAGE(troupe::detail::agent_stop, "troupe.agent.stop");
TROUPE_LOCAL_MESSAGE(troupe::detail::agent_stopped, "troupe.agent.stopped");
TROUPE_LOCAL_MESSAGE(troupe::detail::agent_started, "troupe.agent.started");

namespace troupe {

template <class State>
class agent_process final : public actor {
 public:
  /// `init()` builds the state in the new process; `notify` (if not null) hears `agent_started`.
  agent_process(std::move_only_function<State()> init, pid notify) : init_(std::move(init)), notify_(notify) {}

 protected:
  behavior make_behavior() override {
    state_.emplace(init_());  // an exception here ends the process: the start fails
    init_ = nullptr;
    if (notify_) send(notify_, detail::agent_started{});
    return {
        [this](detail::agent_call& c) -> detail::agent_reply {
          if (*c.state_type != typeid(State)) return {nullptr, true};
          return {c.fn(&*state_), false};
        },
        [this](detail::agent_cast& c) {
          if (*c.state_type == typeid(State)) c.fn(&*state_);
        },
        [this](const detail::agent_stop& s) {
          stop_call_ = current_call();
          stop_reason_ = s.reason;
          stop(s.reason);
        },
    };
  }

  void on_exit(const exit_reason& reason) override {
    if (stop_call_ && reason == stop_reason_) reply(stop_call_, detail::agent_stopped{});
  }

  void on_start() override {
    if constexpr (sys_packable<State>) {
      if (state_) expose_state(*state_);
    }
  }

 private:
  std::move_only_function<State()> init_;
  pid notify_;
  std::optional<State> state_;
  reply_to stop_call_;
  exit_reason stop_reason_;
};

}  // namespace troupe
