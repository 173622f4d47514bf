#pragma once
/// @file
/// A single-threaded, manually clocked node for exact actor tests: nothing runs until the test
/// calls `run()`, and time moves only with `advance()`.

#include <gtest/gtest.h>

#include "troupe/node/actor_system.hpp"
#include "troupe/node/scoped_actor.hpp"
#include "troupe/node/stepped_executor.hpp"

namespace troupe::test {

class deterministic_fixture : public ::testing::Test {
 protected:
  actor_system sys{actor_system_config{.node_name = "test", .creation = 1, .deterministic = true}};

  /// Runs every runnable turn.
  std::size_t run() { return sys.stepper()->run_until_idle(); }
  /// Moves the clock on, fires due timers, and runs what they woke.
  void advance(duration d) {
    sys.advance_time(d);
    run();
  }
};

}  // namespace troupe::test
