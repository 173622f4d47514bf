#pragma once
/// @file
/// `journal`: what a test's processes did, as lines, shared with the test thread (guarded,
/// because threaded tests read it while processes write).

#include <algorithm>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace troupe::test {

struct journal {
  std::mutex mutex;
  std::vector<std::string> lines;

  void note(std::string s) {
    std::lock_guard lock(mutex);
    lines.push_back(std::move(s));
  }
  /// Every line so far.
  std::vector<std::string> all() {
    std::lock_guard lock(mutex);
    return lines;
  }
  /// Every line since the last take, and forgets them.
  std::vector<std::string> take() {
    std::lock_guard lock(mutex);
    return std::exchange(lines, {});
  }
  bool has(const std::string& s) {
    auto v = all();
    return std::find(v.begin(), v.end(), s) != v.end();
  }
};

}  // namespace troupe::test
