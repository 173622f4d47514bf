#pragma once
/// @file
/// `statem_event`: what a `gen_statem` handler is told about the event besides its message —
/// OTP's `EventType` argument (`{call, From}`, `cast`, `info`, `timeout`, `{timeout, Name}`,
/// `state_timeout`, `internal`).
///
/// The message itself is the handler's first argument; the event says how it came. A handler
/// that does not care leaves the second parameter out.

#include <cstdint>
#include <string>

#include "troupe/node/envelope.hpp"
#include "troupe/node/pid.hpp"
#include "troupe/node/reply_to.hpp"

namespace troupe {

/// How an event reached the state machine.
enum class statem_event_type : std::uint8_t {
  /// A call (`troupe::call`, `actor::request`): answer it through `statem_event::from`.
  call,
  /// A plain message sent with `send`. Troupe has no cast wrapper: a send is a cast.
  cast,
  /// A notice from the runtime: `down_msg`, `exit_msg` (trapped exits) or `timeout_msg`.
  info,
  /// A state timeout expired (OTP `state_timeout`).
  state_timeout,
  /// An event timeout expired: no event came in time (OTP `timeout`).
  event_timeout,
  /// A named generic timeout expired (OTP `{timeout, Name}`); see `timeout_name`.
  named_timeout,
  /// An event the machine inserted itself with the `next_event` action (OTP `internal`).
  internal,
};

/// The short name of an event type, e.g. "state_timeout".
const char* to_string(statem_event_type t) noexcept;

class statem_event {
 public:
  statem_event(statem_event_type type, envelope& message, std::string_view timeout_name = {}) noexcept
      : type_(type), message_(&message), timeout_name_(timeout_name) {}

  [[nodiscard]] statem_event_type type() const noexcept { return type_; }
  [[nodiscard]] bool is_call() const noexcept { return type_ == statem_event_type::call; }
  [[nodiscard]] bool is_cast() const noexcept { return type_ == statem_event_type::cast; }
  [[nodiscard]] bool is_info() const noexcept { return type_ == statem_event_type::info; }
  [[nodiscard]] bool is_state_timeout() const noexcept { return type_ == statem_event_type::state_timeout; }
  [[nodiscard]] bool is_event_timeout() const noexcept { return type_ == statem_event_type::event_timeout; }
  [[nodiscard]] bool is_named_timeout() const noexcept { return type_ == statem_event_type::named_timeout; }
  [[nodiscard]] bool is_internal() const noexcept { return type_ == statem_event_type::internal; }

  /// Where the answer to a call goes (OTP's From); empty for every other event type. Keep it to
  /// reply later with `actor::reply`. It stays right for a postponed call, where
  /// `actor::current_call()` would name whichever message the process is handling now.
  [[nodiscard]] reply_to from() const noexcept {
    if (!message_->is_call()) return {};
    return reply_to{message_->from, message_->correlation};
  }
  /// The sending process (null for timeouts, internal events and sends from outside any process).
  [[nodiscard]] pid sender() const noexcept { return message_->from; }
  /// The name of a named timeout; empty for other events.
  [[nodiscard]] std::string_view timeout_name() const noexcept { return timeout_name_; }
  /// The message, as the runtime carries it.
  [[nodiscard]] envelope& message() const noexcept { return *message_; }

 private:
  statem_event_type type_;
  envelope* message_;
  std::string_view timeout_name_;
};

}  // namespace troupe
