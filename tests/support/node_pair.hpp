#pragma once
/// @file
/// Several nodes in one process, each a real actor_system with a real ZeroMQ transport on
/// 127.0.0.1 (ports picked by the OS, so parallel test runs never collide).

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "troupe/node/actor_system.hpp"
#include "troupe/node/scoped_actor.hpp"
#include "troupe/transport/transport.hpp"

namespace troupe::test {

struct test_node {
  std::unique_ptr<actor_system> system;
  std::unique_ptr<transport::transport> net;

  test_node(const std::string& name, transport::transport_config cfg, std::uint32_t creation = 0) {
    system = std::make_unique<actor_system>(actor_system_config{.node_name = name, .creation = creation, .threads = 2});
    net = std::make_unique<transport::transport>(*system, std::move(cfg));
    auto started = net->start();
    EXPECT_TRUE(started) << started.error().message();
  }
  ~test_node() {
    if (net) net->stop();
    net.reset();
    system.reset();
  }
};

/// Transport settings that detect a lost peer in well under a second, yet tolerate the stalls of
/// a loaded 2-core machine running ThreadSanitizer (the aggressive profile flaps there).
inline transport::transport_config fast_config(std::string cookie = "test-cookie") {
  auto cfg = transport::transport_config::defaults();
  cfg.heartbeat_interval = std::chrono::milliseconds(50);
  cfg.detector.acceptable_pause = std::chrono::milliseconds(500);
  cfg.listen = "tcp://127.0.0.1:*";
  cfg.cookie = std::move(cookie);
  cfg.reconnect_interval = std::chrono::milliseconds(100);
  return cfg;
}

/// `fast_config` whose failure detector forgives pauses of several seconds: for tests about
/// delivery, not loss. Under ThreadSanitizer with two suites running at once, an I/O thread can
/// stall for most of a second while 20,000 messages go through; the fast detector then ends the
/// session (a correct verdict on its timing) and the test's premise of a live peer is gone.
inline transport::transport_config steady_config(std::string cookie = "test-cookie") {
  auto cfg = fast_config(std::move(cookie));
  cfg.detector.acceptable_pause = std::chrono::seconds(5);
  cfg.peer_timeout = std::chrono::seconds(8);
  return cfg;
}

/// A unique node name per test, so the process-wide name table never mixes tests.
inline std::string unique_name(const std::string& base) {
  static std::atomic<int> n{0};
  return base + "-" + std::to_string(::getpid()) + "-" + std::to_string(n.fetch_add(1));
}

/// Connects a to b and waits until both see each other.
inline bool connect(test_node& a, test_node& b, duration timeout = std::chrono::seconds(10)) {
  a.net->connect(b.net->address());
  return a.net->wait_connected(b.system->node_name(), timeout) && b.net->wait_connected(a.system->node_name(), timeout);
}

}  // namespace troupe::test
