#pragma once
/// @file
/// A snapshot of one process, for operators and tests (Erlang process_info/1).

#include <cstdint>
#include <string>
#include <vector>

#include "troupe/node/pid.hpp"

namespace troupe {

enum class process_status : std::uint8_t {
  runnable,  ///< has messages and is waiting for a scheduler thread
  running,   ///< a scheduler thread is running its handlers now
  waiting,   ///< idle, waiting for a message
  exiting,   ///< terminating
};

const char* to_string(process_status s) noexcept;

struct process_info {
  pid self;
  process_status status = process_status::waiting;
  std::uint64_t mailbox_length = 0;
  std::uint64_t messages_handled = 0;
  /// The longest the mailbox has been (queued and not yet handled), measured each time the
  /// process takes in new mail; an operator's sign of a process that falls behind.
  std::uint64_t mailbox_high_water = 0;
  /// Stopped by `sys::suspend`: it keeps its mail, handling none but sys requests, until resumed.
  bool suspended = false;
  bool trap_exit = false;
  std::string registered_name;
  std::vector<pid> links;
  std::vector<pid> monitors;      ///< processes this one monitors
  std::vector<pid> monitored_by;  ///< processes monitoring this one
};

}  // namespace troupe
