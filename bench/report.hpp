#pragma once
/// @file
/// Prints benchmark figures as one JSON object per line:
/// {"bench": "<suite>.<name>", "value": <number>, "unit": "<unit>", ...extra}

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace troupe::bench {

inline void report(const std::string& name, double value, const std::string& unit, const std::string& extra = {}) {
  std::printf("{\"bench\": \"%s\", \"value\": %.6g, \"unit\": \"%s\"%s%s}\n", name.c_str(), value, unit.c_str(),
              extra.empty() ? "" : ", ", extra.c_str());
  std::fflush(stdout);
}

/// The p-th percentile (0..100) of samples; sorts them.
inline double percentile(std::vector<double>& samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  auto idx = static_cast<std::size_t>(p / 100.0 * double(samples.size() - 1) + 0.5);
  return samples[std::min(idx, samples.size() - 1)];
}

/// Resident set size of this process in bytes.
inline std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * 4096;
}

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace troupe::bench
