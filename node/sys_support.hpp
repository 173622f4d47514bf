#pragma once
/// @file
/// `detail::sys_support`: what a process keeps for sys (node/sys.hpp) beyond its counters — the
/// state it exposed, its trace, and the messages it holds while suspended. Allocated on the
/// first sys use, so a process that is never debugged pays one null pointer.
///
/// @note Owning actor only: sys requests are answered in the process's own turn.

#include <cstdint>
#include <vector>

#include "troupe/node/envelope.hpp"
#include "troupe/node/message_type.hpp"
#include "troupe/node/pid.hpp"
#include "troupe/node/sys_state.hpp"

namespace troupe::detail {

/// One traced message. The type is kept as its descriptor (whose name lives as long as the
/// program), so recording an event allocates nothing.
struct trace_record {
  std::int64_t time_us = 0;
  const message_type* type = nullptr;
  pid peer;
  std::uint64_t correlation = 0;
  bool out = false;
};

/// A bounded ring of trace records: when full, the oldest goes.
class trace_ring {
 public:
  /// Empties the ring and sets its capacity (at least 1).
  void reset(std::size_t capacity) {
    slots_.assign(capacity == 0 ? 1 : capacity, trace_record{});
    next_ = size_ = 0;
    dropped_ = 0;
  }
  void push(const trace_record& r) noexcept {
    if (slots_.empty()) return;
    slots_[next_] = r;
    next_ = (next_ + 1) % slots_.size();
    if (size_ < slots_.size())
      ++size_;
    else
      ++dropped_;
  }
  /// The records, oldest first.
  [[nodiscard]] std::vector<trace_record> in_order() const {
    std::vector<trace_record> out;
    out.reserve(size_);
    std::size_t first = (next_ + slots_.size() - size_) % (slots_.empty() ? 1 : slots_.size());
    for (std::size_t i = 0; i < size_; ++i) out.push_back(slots_[(first + i) % slots_.size()]);
    return out;
  }
  void clear() noexcept { next_ = size_ = 0; }
  [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_; }

 private:
  std::vector<trace_record> slots_;
  std::size_t next_ = 0;
  std::size_t size_ = 0;
  std::uint64_t dropped_ = 0;
};

struct sys_support {
  /// Set by `actor::expose_state`; empty functions when the process exposed nothing.
  state_access state;
  trace_ring trace;
  /// Also print each traced event through the node's log.
  bool log_trace = false;
  /// Messages taken from the queue while suspended, in order; put back in front on resume.
  envelope* held_head = nullptr;
  envelope* held_tail = nullptr;
};

}  // namespace troupe::detail
