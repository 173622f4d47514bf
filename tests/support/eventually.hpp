#pragma once
/// @file
/// `eventually(pred, timeout)`: waits for a condition of another thread or process with a
/// deadline — the way tests wait for a cluster to converge. It polls: the conditions (what a
/// node's replica says, which processes run) have no event to wait on from a test thread, and
/// the short poll interval is the granularity of the wait, never a guess at how long a thing
/// takes. The default deadline is generous because CI machines may be loaded (sanitizers).

#include <chrono>
#include <thread>

#include "troupe/node/clock.hpp"

namespace troupe::test {

template <class P>
bool eventually(P&& pred, duration timeout = std::chrono::seconds(30),
                duration poll = std::chrono::milliseconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(poll);
  }
  return true;
}

}  // namespace troupe::test
