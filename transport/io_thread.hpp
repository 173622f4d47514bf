#pragma once
/// @file
/// `io_thread`: the one thread that owns every ZeroMQ socket of a node — the ZeroMQ pump around
/// the session engine (session.hpp), which takes every protocol decision (handshakes, liveness,
/// loss). The thread moves bytes between the sockets and the engine, carries out the engine's
/// actions, sends the batches that sending threads queued, and hands decoded messages to the
/// runtime. Internal to the transport.

#include <atomic>
#include <memory>
#include <string>

#include "troupe/node/error.hpp"

namespace troupe::transport {

class transport;

class io_thread {
 public:
  explicit io_thread(transport& owner);
  ~io_thread();
  io_thread(const io_thread&) = delete;
  io_thread& operator=(const io_thread&) = delete;

  /// Binds the ROUTER socket; returns the bound endpoint.
  result<std::string> bind();
  /// Starts the thread (after bind, once the owner knows its address).
  void launch();
  /// Says BYE, closes the sockets and joins. Idempotent.
  void stop();
  /// Queues a connection attempt. @threadsafe
  void connect(const std::string& address);
  /// Makes the thread look at its queues now. Cheap when it is already awake. @threadsafe
  void wake() noexcept;
  /// True on the I/O thread itself (which must never wait for a peer's queue to drain).
  [[nodiscard]] bool on_this_thread() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace troupe::transport
