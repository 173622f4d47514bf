#pragma once
/// @file
/// The test's hands inside an actor: `spawn_driver` starts a process that runs `body(self)`
/// each time it gets a `test::ping`, `spawn_crasher` one that dies on `test::crash`, and
/// `describe` turns a result into text for EXPECT_EQ.

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "troupe/node/actor_system.hpp"
#include "troupe/node/error.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe::test {

/// With `trap`, the driver traps exits (and ignores the exit messages it gets).
inline pid spawn_driver(actor_system& sys, std::function<void(actor&)> body, bool trap = false) {
  return sys.spawn([body = std::move(body), trap](actor& self) -> behavior {
    self.trap_exit(trap);
    return {[&self, body](const ping&) { body(self); }, [](const exit_msg&) {}};
  });
}

/// A process that throws (exits with an error) on `test::crash`, carrying its text.
inline pid spawn_crasher(actor_system& sys) {
  return sys.spawn([](actor&) -> behavior { return {[](const crash& c) -> void { throw std::runtime_error(c.why); }}; });
}

inline std::string describe(const result<int>& r) { return r ? std::to_string(*r) : to_string(r.error().code()); }
inline std::string describe(const result<void>& r) { return r ? "ok" : to_string(r.error().code()); }
inline std::string describe(const std::optional<result<int>>& r) { return r ? describe(*r) : "nothing"; }

}  // namespace troupe::test
