#pragma once
/// @file
/// `start_options`: how a behaviour process is started — under which name, if any, and how long
/// the starter waits for its `init` (OTP's `{local, Name}`, `{via, Module, Name}` and `Timeout`).

#include <string>
#include <variant>

#include "troupe/node/clock.hpp"
#include "troupe/node/name_service.hpp"

namespace troupe {

struct start_options {
  /// No name, a local name (`actor_system::register_name`), or a name in any `name_service`.
  /// The process registers it itself, before `init` runs; a taken name fails the start with
  /// `errc::name_taken` and the new process exits (reason normal) without running `init`.
  std::variant<std::monostate, std::string, via> name;
  /// How long a blocking `start` waits for `init`; past it the process is killed and the start
  /// fails with `errc::timeout`. Asynchronous starts (`start_link`) do not use it.
  duration timeout = std::chrono::seconds(5);

  static start_options local(std::string n) { return start_options{std::move(n)}; }
  static start_options named(via v) { return start_options{std::move(v)}; }
};

}  // namespace troupe
