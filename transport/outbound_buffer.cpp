#include "troupe/transport/outbound_buffer.hpp"

#include <utility>

#include "troupe/transport/codec.hpp"

namespace troupe::transport {

append_outcome outbound_buffer::append(const message_type& type, const char* tail, std::size_t len) {
  std::lock_guard lock(mutex_);
  if (messages_ >= config_.max_queued_messages) return {false, busy_.load(std::memory_order_relaxed)};
  // The head (and the TYPE frame the first time) counts against the byte bound as the tail does;
  // the id is committed only once the message is accepted, so a refusal defines nothing.
  auto known = type_ids_.find(&type);
  const std::uint32_t id = known != type_ids_.end() ? known->second : next_type_id_;
  msgpack::sbuffer head;
  if (known == type_ids_.end()) encode_type_def(head, id, type.name);
  encode_message_head(head, id);
  if (bytes_ + head.size() + len > config_.max_queued_bytes) return {false, busy_.load(std::memory_order_relaxed)};
  if (known == type_ids_.end()) type_ids_.emplace(&type, next_type_id_++);
  if (batches_.empty() || batches_.back().bytes.size() >= config_.batch_bytes) batches_.emplace_back();
  auto& b = batches_.back();
  b.bytes.append(head.data(), head.size());
  b.bytes.append(tail, len);
  b.messages += 1;
  bytes_ += head.size() + len;
  messages_ += 1;
  if (bytes_ >= config_.busy_bytes) busy_.store(true, std::memory_order_release);
  return {true, busy_.load(std::memory_order_relaxed)};
}

void outbound_buffer::append_control(const char* frame, std::size_t len) {
  std::lock_guard lock(mutex_);
  if (batches_.empty() || batches_.back().bytes.size() >= config_.batch_bytes) batches_.emplace_back();
  batches_.back().bytes.append(frame, len);
  bytes_ += len;
}

void outbound_buffer::take(std::vector<batch>& out) {
  std::lock_guard lock(mutex_);
  for (auto& b : batches_)
    if (!b.bytes.empty()) out.push_back(std::move(b));
  batches_.clear();
}

bool outbound_buffer::release(std::size_t bytes, std::size_t messages) {
  std::lock_guard lock(mutex_);
  bytes_ -= std::min(bytes, bytes_);
  messages_ -= std::min(messages, messages_);
  // Hysteresis: resume at half the mark, so a suspended sender runs for a while once let go.
  if (!busy_.load(std::memory_order_relaxed) || bytes_ > config_.busy_bytes / 2) return false;
  busy_.store(false, std::memory_order_release);
  return true;
}

void outbound_buffer::handed(std::size_t messages) {
  std::lock_guard lock(mutex_);
  handed_ += messages;
}

session_tally outbound_buffer::reset() {
  std::lock_guard lock(mutex_);
  session_tally tally{messages_, std::exchange(handed_, 0)};  // queued, and taken but never handed to ZeroMQ
  batches_.clear();
  type_ids_.clear();
  next_type_id_ = 1;
  bytes_ = 0;
  messages_ = 0;
  busy_.store(false, std::memory_order_release);
  return tally;
}

bool outbound_buffer::empty() const {
  std::lock_guard lock(mutex_);
  return batches_.empty();
}

std::size_t outbound_buffer::queued_messages() const {
  std::lock_guard lock(mutex_);
  return messages_;
}

std::size_t outbound_buffer::queued_bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace troupe::transport
