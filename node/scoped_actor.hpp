#pragma once
/// @file
/// `scoped_actor`: a process owned by a plain thread (main, a test, a CLI), which receives by
/// blocking with a deadline. It is how code outside the actor world talks to actors and waits
/// for their answers — never use it inside a handler (it would block a scheduler thread).
///
/// ```
/// troupe::scoped_actor self(system);
/// self->send(server, ping{1});
/// auto reply = self->receive<pong>(std::chrono::seconds(1));   // std::nullopt on timeout
/// ```
/// `receive<T>` is selective, as in Erlang: messages of other types stay queued for later.
/// With the stepped executor, pass a zero timeout and step the executor between receives.

#include <condition_variable>
#include <mutex>
#include <optional>

#include "troupe/node/actor_system.hpp"

namespace troupe {

class blocking_actor final : public actor {
 public:
  /// The first queued message of type T, waiting up to `timeout` for one. Null if none came, or
  /// if this process was ended by an exit signal (see `exited`).
  template <message T>
  std::optional<T> receive(duration timeout) {
    envelope_ptr e = receive_if([](const envelope& x) { return holds<T>(x); }, timeout);
    if (!e) return std::nullopt;
    return std::move(payload<T>(*e));
  }
  /// The first queued message of any type.
  envelope_ptr receive_any(duration timeout) {
    return receive_if([](const envelope&) { return true; }, timeout);
  }
  /// The first queued message matching `pred`.
  envelope_ptr receive_if(const std::function<bool(const envelope&)>& pred, duration timeout);
  /// The exit reason if an exit signal ended this process.
  [[nodiscard]] std::optional<exit_reason> exited() const;

 private:
  friend class scoped_actor;
  void wake() noexcept override;
  envelope_ptr take(const std::function<bool(const envelope&)>& pred);

  std::mutex mutex_;
  std::condition_variable cv_;
};

class scoped_actor {
 public:
  explicit scoped_actor(actor_system& system);
  /// Ends the process with reason normal (links and monitors on it fire).
  ~scoped_actor();
  scoped_actor(const scoped_actor&) = delete;
  scoped_actor& operator=(const scoped_actor&) = delete;

  blocking_actor* operator->() const noexcept { return actor_; }
  blocking_actor& operator*() const noexcept { return *actor_; }
  [[nodiscard]] pid self() const noexcept { return actor_->self(); }

 private:
  blocking_actor* actor_;
};

}  // namespace troupe
