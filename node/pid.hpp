#pragma once
/// @file
/// `pid`: the name of a process anywhere in the cluster.
///
/// A pid is (node, creation, serial). `node` is an index into a process-wide table of node names
/// (so a pid stays a 16-byte value that is cheap to copy, hash and compare), `creation` is the
/// incarnation of that node, and `serial` numbers processes within one incarnation. A restarted
/// node has a new creation, so pids of its previous life can never reach its new processes.

#include <compare>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

namespace troupe {

/// Index of an interned node name. @threadsafe
using node_index = std::uint32_t;

/// Returns the index of `name`, interning it on first use. @threadsafe
node_index intern_node(std::string_view name);
/// The name behind an index returned by `intern_node`. @threadsafe
const std::string& node_name(node_index index);

struct pid {
  node_index node = 0;
  std::uint32_t creation = 0;
  std::uint64_t serial = 0;

  /// The null pid: names no process.
  [[nodiscard]] constexpr bool is_null() const noexcept { return serial == 0; }
  constexpr explicit operator bool() const noexcept { return !is_null(); }
  friend constexpr auto operator<=>(const pid&, const pid&) = default;
  friend constexpr bool operator==(const pid&, const pid&) = default;

  /// `<n1.3.42>`: node name, creation, serial.
  [[nodiscard]] std::string to_string() const;
  /// Parses the `to_string` form; returns a null pid if `text` is not a pid.
  static pid parse(std::string_view text);
};

std::ostream& operator<<(std::ostream& os, const pid& p);

/// A unique reference, used for monitors and timers (Erlang's make_ref()).
using ref_id = std::uint64_t;

}  // namespace troupe

template <>
struct std::hash<troupe::pid> {
  std::size_t operator()(const troupe::pid& p) const noexcept {
    // splitmix-style mixing: serials are sequential, so spread them before bucketing.
    std::uint64_t x = p.serial ^ (std::uint64_t(p.node) << 40) ^ (std::uint64_t(p.creation) << 20);
    x ^= x >> 31;
    x *= 0x7fb5d329728ea185ULL;
    x ^= x >> 27;
    return static_cast<std::size_t>(x);
  }
};
