#pragma once
/// @file
/// `started_msg`: the message a process started with `start_link` sends its starter once its
/// `init` has run (OTP's `proc_lib:init_ack`). It always arrives before the process's exit
/// signal, so a starter that traps exits sees the outcome first and the EXIT second.

#include <cstdint>
#include <string>
#include <variant>

#include "troupe/node/error.hpp"
#include "troupe/node/exit_reason.hpp"
#include "troupe/node/message_type.hpp"
#include "troupe/node/name_service.hpp"
#include "troupe/node/pid.hpp"

namespace troupe {

enum class start_outcome : std::uint8_t {
  /// init returned ok: the process runs.
  ok,
  /// init returned ignore: no process (it exits normally).
  ignored,
  /// init returned stop or threw: `reason` says why; the process exits with it.
  failed,
  /// The requested name was taken: the process exits normally without running init.
  name_taken,
};

struct started_msg {
  /// The `start_ticket::ack` this answers.
  std::uint64_t ref = 0;
  pid child;
  start_outcome outcome = start_outcome::ok;
  /// Why the start failed (outcome failed), or who holds the name (name_taken).
  exit_reason reason;

  /// The outcome as a start's result: the pid, a null pid for ignore, or the error.
  [[nodiscard]] result<pid> to_result() const {
    switch (outcome) {
      case start_outcome::ok: return child;
      case start_outcome::ignored: return pid{};
      case start_outcome::name_taken: return fail(errc::name_taken, reason.detail());
      case start_outcome::failed: break;
    }
    return fail(errc::init_failed, reason.to_string());
  }
};

/// What an asynchronous start gives back at once: the new process, and the ref its
/// `started_msg` will carry (0 when the process sends none, e.g. a plain actor).
struct start_ticket {
  pid child;
  std::uint64_t ack = 0;
};

namespace detail {
/// What a starting process needs to know before `init`: its options and whom to acknowledge.
struct start_config {
  std::variant<std::monostate, std::string, via> name;
  pid starter;
  std::uint64_t ack = 0;
};
}  // namespace detail

}  // namespace troupe

TROUPE_LOCAL_MESSAGE(troupe::started_msg, "troupe.started");
