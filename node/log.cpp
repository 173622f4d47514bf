#include "troupe/node/log.hpp"

#include <cstdlib>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace troupe {

std::shared_ptr<spdlog::logger> log() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stderr_color_mt("troupe");
    const char* level = std::getenv("TROUPE_LOG_LEVEL");
    l->set_level(level ? spdlog::level::from_str(level) : spdlog::level::info);
    return l;
  }();
  return logger;
}

}  // namespace troupe
