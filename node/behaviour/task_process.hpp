#pragma once
/// @file
/// `task_process<T>`: the process behind a `task<T>` (see task.hpp). It runs its function once,
/// at its first message, leaves the outcome in a slot shared with its owner, and exits.
///
/// Why a slot and not a result message: an owner that is an actor cannot receive a message type
/// its own handlers do not know about. So the owner learns that the task is over from the task's
/// exit (a monitor, or the monitor of an `actor::request` — which runs a continuation inside the
/// owner without touching its handlers), and then reads the slot. The slot is written before the
/// task leaves the process table, so whoever sees the task's DOWN (or noproc) sees its outcome.
/// A result can never be lost to a timed-out wait: it stays in the slot until the owner takes it.
/// The price is that tasks are local-only, which their C++ closures make them anyway.

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <variant>

#include "troupe/node/actor.hpp"
#include "troupe/node/actor_system.hpp"
#include "troupe/node/message_type.hpp"

namespace troupe::detail {

/// What a task of type T stores: T, or an empty marker for `void`.
template <class T>
using task_value = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

/// The outcome of one task: its value if its function returned, else the reason it exited.
/// @threadsafe
template <class T>
struct task_slot {
  std::mutex mutex;
  std::optional<task_value<T>> value;
  std::optional<exit_reason> reason;
};

/// Sent as a call by an actor awaiting a task. The task never answers it: its exit does (the
/// call's monitor fires), so the wait needs no handler in the awaiting actor.
struct task_await {};
/// The declared (never sent) answer to `task_await`.
struct task_done {};
/// A task's cue to run its function, sent to itself from its first turn so that a shutdown
/// signal that arrived before it started stops it before the function runs.
struct task_run {};

}  // namespace troupe::detail

TROUPE_LOCAL_MESSAGE(troupe::detail::task_await, "troupe.task.await");
TROUPE_LOCAL_MESSAGE(troupe::detail::task_done, "troupe.task.done");
TROUPE_LOCAL_MESSAGE(troupe::detail::task_run, "troupe.task.run");

namespace troupe {

template <class T>
class task_process final : public actor {
 public:
  /// `slot` may be null for a fire-and-forget child, whose outcome nobody reads.
  task_process(std::move_only_function<T()> fn, std::shared_ptr<detail::task_slot<T>> slot)
      : fn_(std::move(fn)), slot_(std::move(slot)) {}

 protected:
  void on_start() override { send(self(), detail::task_run{}); }

  behavior make_behavior() override {
    return {
        [this](const detail::task_run&) { run(); },
        [](const detail::task_await&) {},  // an await that came first: the exit will answer it
    };
  }

  void on_exit(const exit_reason& reason) override {
    if (!slot_) return;
    std::lock_guard lock(slot_->mutex);
    if (!slot_->value) slot_->reason = reason;
  }

 private:
  void run() {
    // An exception from fn_ escapes to the runtime, which ends the process with an error reason
    // (recorded in on_exit); links carry it to the owner, as a crashing Elixir task does.
    if constexpr (std::is_void_v<T>) {
      fn_();
      store(std::monostate{});
    } else {
      store(fn_());
    }
    stop(exit_reason::normal());
  }

  void store(detail::task_value<T> v) {
    if (!slot_) return;
    std::lock_guard lock(slot_->mutex);
    slot_->value.emplace(std::move(v));
  }

  std::move_only_function<T()> fn_;
  std::shared_ptr<detail::task_slot<T>> slot_;
};

}  // namespace troupe
