#include "troupe/node/mailbox.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "troupe/node/message_type.hpp"
#include "tests/support/test_messages.hpp"

namespace mailbox_test {
/// Holds a share of a token: the token's use count says how many are still alive.
struct token_holder {
  std::shared_ptr<int> token;
};
}  // namespace mailbox_test

TROUPE_LOCAL_MESSAGE(mailbox_test::token_holder, "mailbox_test.token_holder");

namespace troupe {
namespace {

using test::ping;

std::uint64_t value_of(envelope* e) { return payload<ping>(*e).n; }

TEST(MailboxTest, IsEmptyWhenNew) {
  mailbox m;
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.try_pop(), nullptr);
  EXPECT_EQ(m.size(), 0u);
}

TEST(MailboxTest, PopsInTheOrderPushed) {
  mailbox m;
  for (std::uint64_t i = 0; i < 100; ++i) m.push(make_envelope<ping>(pid{}, ping{i}).release());
  EXPECT_EQ(m.size(), 100u);
  for (std::uint64_t i = 0; i < 100; ++i) {
    envelope_ptr e(m.try_pop());
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(value_of(e.get()), i);
  }
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.size(), 0u);
}

TEST(MailboxTest, DestroysWhatIsLeftWhenDestroyed) {
  auto token = std::make_shared<int>(0);
  {
    mailbox m;
    for (int i = 0; i < 10; ++i)
      m.push(make_envelope<mailbox_test::token_holder>(pid{}, mailbox_test::token_holder{token}).release());
    ASSERT_EQ(token.use_count(), 11);
  }
  EXPECT_EQ(token.use_count(), 1) << "envelopes left in a destroyed mailbox were not destroyed";
}

TEST(MailboxTest, ManyProducersLoseNothingAndKeepEachProducersOrder) {
  constexpr int producers = 4;
  constexpr std::uint64_t per_producer = 50'000;
  mailbox m;
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&m, p] {
      for (std::uint64_t i = 0; i < per_producer; ++i)
        m.push(make_envelope<ping>(pid{0, 0, std::uint64_t(p + 1)}, ping{i}).release());
    });
  }
  std::vector<std::uint64_t> next(producers, 0);
  std::uint64_t received = 0;
  while (received < producers * per_producer) {
    envelope_ptr e(m.try_pop());
    if (!e) continue;  // a producer may be between its two steps
    auto p = e->from.serial - 1;
    ASSERT_EQ(value_of(e.get()), next[p]) << "producer " << p << " out of order";
    ++next[p];
    ++received;
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(m.empty());
  for (int p = 0; p < producers; ++p) EXPECT_EQ(next[p], per_producer);
}

}  // namespace
}  // namespace troupe
