#include "troupe/cluster/event_timeline.hpp"

#include <algorithm>
#include <chrono>

namespace troupe {

event_timeline::event_timeline(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

std::uint64_t event_timeline::record(std::string kind, std::string subject, std::string from, std::string to,
                                     std::string detail) {
  using namespace std::chrono;
  const auto now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  std::lock_guard lock(mutex_);
  const auto seq = next_seq_++;
  events_.push_back({seq, now, std::move(kind), std::move(subject), std::move(from), std::move(to), std::move(detail)});
  if (events_.size() > capacity_) events_.pop_front();
  return seq;
}

std::vector<cluster_event> event_timeline::since(std::uint64_t after, std::size_t limit) const {
  std::lock_guard lock(mutex_);
  // Sequence numbers are consecutive, so the first one after `after` is found by arithmetic.
  std::size_t first = 0;
  if (!events_.empty() && after >= events_.front().seq)
    first = std::min<std::size_t>(events_.size(), after - events_.front().seq + 1);
  first = std::max(first, events_.size() - std::min(limit, events_.size() - first));
  return {events_.begin() + static_cast<std::ptrdiff_t>(first), events_.end()};
}

std::uint64_t event_timeline::last_seq() const {
  std::lock_guard lock(mutex_);
  return next_seq_ - 1;
}

}  // namespace troupe
