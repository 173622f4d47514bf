#include "troupe/transport/link_faults.hpp"

#include <algorithm>

namespace troupe::transport {

void link_faults::set(const std::string& peer, link_fault fault) {
  fault.loss = std::clamp(fault.loss, 0.0, 0.95);  // at 1.0 a batch would never leave
  fault.delay = std::max(fault.delay, std::chrono::milliseconds(0));
  fault.jitter = std::max(fault.jitter, std::chrono::milliseconds(0));
  std::lock_guard lock(mutex_);
  if (fault.healthy())
    settings_.erase(peer);
  else
    settings_[peer] = fault;
  refresh_active();
}

void link_faults::clear() {
  std::lock_guard lock(mutex_);
  settings_.clear();
  refresh_active();
}

std::optional<link_fault> link_faults::fault_for(const std::string& peer) const {
  std::lock_guard lock(mutex_);
  if (auto it = settings_.find(peer); it != settings_.end()) return it->second;
  if (peer.starts_with('~')) return std::nullopt;  // hidden nodes (troupectl) are tools: "*" spares them
  if (auto it = settings_.find("*"); it != settings_.end()) return it->second;
  return std::nullopt;
}

std::map<std::string, link_fault> link_faults::settings() const {
  std::lock_guard lock(mutex_);
  return settings_;
}

void link_faults::refresh_active() { active_.store(!settings_.empty() || !lines_.empty(), std::memory_order_release); }

link_faults::clock::time_point link_faults::due_time(const link_fault& f, clock::time_point now, clock::time_point after) {
  auto due = now + f.delay;
  if (f.jitter.count() > 0)
    due += std::chrono::milliseconds(std::uniform_int_distribution<std::int64_t>(-f.jitter.count(), f.jitter.count())(random_));
  std::bernoulli_distribution lost(f.loss);
  for (auto rto = retransmission_timeout; f.loss > 0 && lost(random_); rto *= 2) due += rto;
  return std::max({due, now, after});  // in order: never before the batch ahead of it
}

void link_faults::hold(const std::string& peer, std::vector<batch>& batches, clock::time_point now) {
  auto fault = fault_for(peer).value_or(link_fault{});
  std::lock_guard lock(mutex_);
  auto& line = lines_[peer];
  for (auto& b : batches) {
    auto after = line.empty() ? now : line.back().due;
    line.push_back({std::move(b), due_time(fault, now, after)});
  }
  batches.clear();
  if (line.empty()) lines_.erase(peer);
  refresh_active();
}

std::optional<link_faults::clock::time_point> link_faults::next_due() const {
  std::lock_guard lock(mutex_);
  std::optional<clock::time_point> first;
  for (auto& [peer, line] : lines_)
    if (!line.empty() && (!first || line.front().due < *first)) first = line.front().due;
  return first;
}

std::pair<std::size_t, std::size_t> link_faults::drop(const std::string& peer) {
  std::lock_guard lock(mutex_);
  std::size_t messages = 0, bytes = 0;
  if (auto it = lines_.find(peer); it != lines_.end()) {
    for (auto& h : it->second) {
      messages += h.b.messages;
      bytes += h.b.bytes.size();
    }
    lines_.erase(it);
  }
  refresh_active();
  return {messages, bytes};
}

}  // namespace troupe::transport
