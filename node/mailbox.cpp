#include "troupe/node/mailbox.hpp"

namespace troupe {

mailbox::mailbox() noexcept : tail_(&stub_), head_(&stub_) {}

mailbox::~mailbox() {
  while (envelope* e = try_pop()) destroy_envelope(e);
}

void mailbox::push(envelope* e) noexcept {
  pushed_.fetch_add(1, std::memory_order_relaxed);
  append(e);
}

void mailbox::append(queue_node* n) noexcept {
  n->next.store(nullptr, std::memory_order_relaxed);
  queue_node* prev = tail_.exchange(n, std::memory_order_seq_cst);
  prev->next.store(n, std::memory_order_release);
}

envelope* mailbox::try_pop() noexcept {
  // Every node but the stub is an envelope, and the stub is never returned.
  queue_node* head = head_;
  queue_node* next = head->next.load(std::memory_order_acquire);
  if (head == &stub_) {
    if (next == nullptr) return nullptr;
    head_ = next;
    head = next;
    next = next->next.load(std::memory_order_acquire);
  }
  if (next != nullptr) {
    head_ = next;
    popped_.store(popped_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return static_cast<envelope*>(head);
  }
  if (head != tail_.load(std::memory_order_acquire)) return nullptr;  // a push is in progress
  append(&stub_);
  next = head->next.load(std::memory_order_acquire);
  if (next == nullptr) return nullptr;
  head_ = next;
  popped_.store(popped_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  return static_cast<envelope*>(head);
}

bool mailbox::empty() const noexcept {
  // Only the consumer reads head_, so only the consumer may ask.
  // seq_cst pairs with the exchange in push(): see actor::finish_turn for why it must.
  return tail_.load(std::memory_order_seq_cst) == &stub_ && head_ == &stub_ &&
         stub_.next.load(std::memory_order_acquire) == nullptr;
}

bool mailbox::untouched_since_empty() const noexcept { return tail_.load(std::memory_order_seq_cst) == &stub_; }

std::uint64_t mailbox::size() const noexcept {
  auto pushed = pushed_.load(std::memory_order_relaxed);
  auto popped = popped_.load(std::memory_order_relaxed);
  return pushed > popped ? pushed - popped : 0;
}

}  // namespace troupe
