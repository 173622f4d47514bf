#include "troupe/node/envelope_pool.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <thread>
#include <vector>

#include "troupe/node/message_type.hpp"
#include "tests/support/test_messages.hpp"

namespace envelope_pool_test {
struct alignas(64) wide {
  std::uint64_t v = 0;
};
struct big {
  std::array<std::uint64_t, 128> v{};
};
}  // namespace envelope_pool_test

TROUPE_LOCAL_MESSAGE(envelope_pool_test::wide, "envelope_pool_test.wide");
TROUPE_LOCAL_MESSAGE(envelope_pool_test::big, "envelope_pool_test.big");

namespace troupe {
namespace {

using test::ping;
using detail::envelope_depot_blocks;

constexpr std::size_t block_of_ping = 64;
static_assert(sizeof(message_envelope<ping>) <= block_of_ping);

/// Runs `f` on a thread of its own and waits for it, so that its cache is flushed on exit.
template <class F>
void on_own_thread(F f) {
  std::thread t(f);
  t.join();
}

TEST(EnvelopePoolTest, BlocksFreedOnTheReceiversThreadComeBackToASendersThread) {
  if (!detail::envelope_pool_enabled()) GTEST_SKIP() << "the pool is off under AddressSanitizer";
  constexpr std::size_t count = 1024;  // four whole batches
  std::vector<envelope*> sent;
  on_own_thread([&] {
    for (std::uint64_t i = 0; i < count; ++i) sent.push_back(make_envelope<ping>(pid{}, ping{i}).release());
  });
  const std::size_t before = envelope_depot_blocks(block_of_ping);
  on_own_thread([&] {
    for (std::uint64_t i = 0; i < count; ++i) {
      ASSERT_EQ(payload<ping>(*sent[i]).n, i);
      destroy_envelope(sent[i]);
    }
  });
  EXPECT_EQ(envelope_depot_blocks(block_of_ping), before + count) << "the receiver's thread handed its blocks on";
  on_own_thread([&] {
    std::vector<envelope_ptr> again;
    for (std::uint64_t i = 0; i < count; ++i) again.push_back(make_envelope<ping>(pid{}, ping{i}));
    EXPECT_EQ(envelope_depot_blocks(block_of_ping), before) << "a new sender took them instead of calling malloc";
    for (std::uint64_t i = 0; i < count; ++i) EXPECT_EQ(payload<ping>(*again[i]).n, i);
  });
}

TEST(EnvelopePoolTest, TheDepotGivesBlocksPastItsCapBackToMalloc) {
  if (!detail::envelope_pool_enabled()) GTEST_SKIP() << "the pool is off under AddressSanitizer";
  constexpr std::size_t block = detail::pooled_envelope_max;
  constexpr std::size_t cap_blocks = detail::envelope_depot_cap_bytes / block;
  const std::size_t count = cap_blocks + 4096;
  std::vector<void*> blocks(count);
  on_own_thread([&] {
    for (auto& b : blocks) b = detail::allocate_envelope(block);
  });
  on_own_thread([&] {
    for (void* b : blocks) detail::free_envelope(b, block);
  });
  const std::size_t held = envelope_depot_blocks(block);
  EXPECT_LE(held, cap_blocks);
  EXPECT_GE(held, cap_blocks - 256) << "the depot fills up to its cap before it gives blocks back";
  // Leave the depot as the other tests expect it: empty of this size.
  on_own_thread([&] {
    std::vector<void*> taken(held);
    for (auto& b : taken) b = detail::allocate_envelope(block);
    for (void* b : taken) ::operator delete(b);
  });
}

TEST(EnvelopePoolTest, OverAlignedAndLargePayloadsBypassThePoolAndStayIntact) {
  auto w = make_envelope<envelope_pool_test::wide>(pid{}, envelope_pool_test::wide{42});
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(&payload<envelope_pool_test::wide>(*w)) % 64, 0u);
  EXPECT_EQ(payload<envelope_pool_test::wide>(*w).v, 42u);
  envelope_pool_test::big b;
  b.v.back() = 7;
  auto e = make_envelope<envelope_pool_test::big>(pid{}, b);
  EXPECT_GT(sizeof(message_envelope<envelope_pool_test::big>), detail::pooled_envelope_max);
  EXPECT_EQ(payload<envelope_pool_test::big>(*e).v.back(), 7u);
}

}  // namespace
}  // namespace troupe
