#pragma once
/// @file
/// The runtime's logger: spdlog, to stderr, named "troupe". Level from TROUPE_LOG_LEVEL or set_level.

#include <memory>
#include <spdlog/spdlog.h>

namespace troupe {

/// The shared logger. @threadsafe
std::shared_ptr<spdlog::logger> log();

}  // namespace troupe
