#pragma once
/// @file
/// A snapshot of one process, for operators and tests (Erlang process_info/1).

#include <cstdint>
#include <string>
#include <vector>

#include "node/pid.hpp"

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
  bool trap_exit = false;
  std::string registered_name;
  std::vector<pid> links;
  std::vector<pid> monitors;      ///< processes this one monitors
  std::vector<pid> monitored_by;  ///< processes monitoring this one
};

}  // namespace troupe
