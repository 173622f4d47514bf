#pragma once
/// @file
/// `sim_random`: the one random stream of a simulation run (xoshiro256**, seeded through
/// SplitMix64). Written out here rather than taken from <random> so that a seed gives the same
/// numbers with every compiler and standard library: a failing seed must replay anywhere.

#include <cstdint>

namespace troupe::transport {

class sim_random {
 public:
  explicit sim_random(std::uint64_t seed) noexcept {
    for (auto& s : s_) s = splitmix(seed);
  }

  /// The next 64 random bits.
  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  /// Uniform in [0, n); 0 when n is 0. (The modulo bias is irrelevant at simulation sizes.)
  std::uint64_t below(std::uint64_t n) noexcept { return n ? next() % n : 0; }
  /// Uniform in [lo, hi].
  std::int64_t between(std::int64_t lo, std::int64_t hi) noexcept {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }
  /// True with probability `p`.
  bool chance(double p) noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix(std::uint64_t& x) noexcept {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t s_[4];
};

}  // namespace troupe::transport
