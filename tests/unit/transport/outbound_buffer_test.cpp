// outbound_buffer alone: what one connection queues, read back with the same decoder a peer
// uses (frame_reader, type_table, decode_message), so the tests see the bytes a peer would see.
#include "troupe/transport/outbound_buffer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/test_messages.hpp"
#include "troupe/transport/codec.hpp"

namespace troupe::transport {
namespace outbound_buffer_test {

const pid sender{intern_node("outbound-a"), 1, 7};
const pid receiver{intern_node("outbound-b"), 1, 9};

/// The tail of a message frame for `value` (what a sending thread encodes before `append`).
template <class T>
std::string tail_of(const T& value) {
  auto e = make_envelope<T>(sender, value);
  msgpack::sbuffer b;
  encode_message_tail(b, receiver, *e);
  return {b.data(), b.size()};
}

template <class T>
bool append(outbound_buffer& out, const T& value) {
  auto tail = tail_of(value);
  return static_cast<bool>(out.append(type_of<T>(), tail.data(), tail.size()));
}

/// What a peer reads from the batches of one session.
struct decoded {
  std::vector<std::string> type_defs;  ///< type names, in the order they were defined
  std::vector<std::uint64_t> pings;    ///< the `n` of every test.ping, in order
  std::vector<std::string> texts;      ///< every test.text, in order
  int heartbeats = 0;
  int message_frames_by_id = 0;  ///< message frames naming their type by an interned id
};

/// Decodes `batches` as one peer session does; fails the test on anything malformed.
decoded read_session(const std::vector<batch>& batches) {
  decoded out;
  wire_limits limits;
  type_table types;
  for (const auto& b : batches) {
    frame_reader reader(b.bytes.data(), b.bytes.size(), limits);
    while (auto frame = reader.next()) {
      auto kind = kind_of(*frame);
      EXPECT_TRUE(std::holds_alternative<frame_kind>(kind));
      if (!std::holds_alternative<frame_kind>(kind)) return out;
      switch (std::get<frame_kind>(kind)) {
        case frame_kind::type_def: {
          auto t = types.define(*frame);
          EXPECT_TRUE(std::holds_alternative<const message_type*>(t));
          if (auto* tp = std::get_if<const message_type*>(&t)) out.type_defs.emplace_back((*tp)->name);
          break;
        }
        case frame_kind::heartbeat:
          ++out.heartbeats;
          break;
        case frame_kind::message: {
          if (frame->via.array.ptr[1].type == msgpack::type::POSITIVE_INTEGER) ++out.message_frames_by_id;
          auto m = decode_message(*frame, types);
          auto* in = std::get_if<inbound_message>(&m);
          EXPECT_NE(in, nullptr) << std::get<decode_error>(m).what;
          if (!in) return out;
          EXPECT_EQ(in->to, receiver);
          EXPECT_EQ(in->envelope->from, sender);
          if (holds<test::ping>(*in->envelope)) out.pings.push_back(payload<test::ping>(*in->envelope).n);
          if (holds<test::text>(*in->envelope)) out.texts.push_back(payload<test::text>(*in->envelope).value);
          break;
        }
        default:
          ADD_FAILURE() << "unexpected frame kind " << int(std::get<frame_kind>(kind));
      }
    }
    EXPECT_EQ(reader.error(), "");
  }
  return out;
}

std::vector<batch> take_all(outbound_buffer& out) {
  std::vector<batch> taken;
  out.take(taken);
  return taken;
}

TEST(OutboundBufferTest, MessagesComeOutInOrderAndDecodeAsTheyWentIn) {
  transport_config config;
  outbound_buffer out(config);
  for (std::uint64_t n = 1; n <= 100; ++n) ASSERT_TRUE(append(out, test::ping{n}));
  ASSERT_TRUE(append(out, test::text{"last"}));
  auto batches = take_all(out);
  auto seen = read_session(batches);
  ASSERT_EQ(seen.pings.size(), 100u);
  for (std::uint64_t n = 1; n <= 100; ++n) EXPECT_EQ(seen.pings[n - 1], n);
  EXPECT_EQ(seen.texts, std::vector<std::string>{"last"});
  EXPECT_TRUE(out.empty());
}

TEST(OutboundBufferTest, EachTypeIsDefinedOnceThenNamedByItsId) {
  transport_config config;
  outbound_buffer out(config);
  for (std::uint64_t n = 0; n < 50; ++n) {
    ASSERT_TRUE(append(out, test::ping{n}));
    ASSERT_TRUE(append(out, test::text{std::to_string(n)}));
  }
  auto seen = read_session(take_all(out));
  EXPECT_EQ(seen.type_defs, (std::vector<std::string>{"test.ping", "test.text"}));
  EXPECT_EQ(seen.message_frames_by_id, 100);
  // Interning outlives a take: the next batches name the types by the ids already sent.
  ASSERT_TRUE(append(out, test::ping{99}));
  auto more = take_all(out);
  ASSERT_EQ(more.size(), 1u);
  frame_reader reader(more[0].bytes.data(), more[0].bytes.size(), wire_limits{});
  auto frame = reader.next();
  ASSERT_TRUE(frame);
  EXPECT_EQ(std::get<frame_kind>(kind_of(*frame)), frame_kind::message);
  EXPECT_FALSE(reader.next()) << "no second TYPE frame for a type this session already defined";
}

TEST(OutboundBufferTest, InternedMessagesAreSmallerThanTheFirstOne) {
  transport_config config;
  outbound_buffer out(config);
  ASSERT_TRUE(append(out, test::ping{1}));
  auto first = take_all(out);
  ASSERT_TRUE(append(out, test::ping{1}));
  auto second = take_all(out);
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 1u);
  // The first carries the TYPE frame [7, 1, "test.ping"]; the second only the id.
  EXPECT_GE(first[0].bytes.size(), second[0].bytes.size() + std::string("test.ping").size());
}

TEST(OutboundBufferTest, ASmallQueueGoesOutAsOneBatch) {
  transport_config config;
  outbound_buffer out(config);
  for (std::uint64_t n = 0; n < 1000; ++n) ASSERT_TRUE(append(out, test::ping{n}));
  auto batches = take_all(out);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].messages, 1000u);
}

TEST(OutboundBufferTest, ADeepQueueIsCutIntoBatchesOfAboutBatchBytes) {
  transport_config config;
  config.batch_bytes = 1024;
  outbound_buffer out(config);
  const std::string body(100, 'x');
  const std::size_t count = 500;
  for (std::size_t n = 0; n < count; ++n) ASSERT_TRUE(append(out, test::text{body}));
  auto batches = take_all(out);
  std::size_t messages = 0;
  auto one_message = tail_of(test::text{body}).size() + 16;  // tail + a generous header
  for (const auto& b : batches) {
    messages += b.messages;
    EXPECT_GT(b.messages, 0u);
    // A batch is closed once it reaches batch_bytes, so it overshoots by at most one message.
    EXPECT_LT(b.bytes.size(), config.batch_bytes + one_message);
  }
  EXPECT_EQ(messages, count);
  EXPECT_GE(batches.size(), count * 100 / config.batch_bytes);
  EXPECT_EQ(read_session(batches).texts.size(), count);
}

TEST(OutboundBufferTest, RefusesPastTheMessageBoundUntilMessagesAreReleased) {
  transport_config config;
  config.max_queued_messages = 10;
  outbound_buffer out(config);
  for (std::uint64_t n = 0; n < 10; ++n) ASSERT_TRUE(append(out, test::ping{n}));
  EXPECT_FALSE(append(out, test::ping{10}));
  EXPECT_EQ(out.queued_messages(), 10u);
  // Taken is not gone: the I/O thread still holds the bytes until it releases them.
  auto batches = take_all(out);
  EXPECT_FALSE(append(out, test::ping{10}));
  out.release(batches[0].bytes.size(), batches[0].messages);
  EXPECT_EQ(out.queued_messages(), 0u);
  EXPECT_TRUE(append(out, test::ping{10}));
}

/// The bytes one message adds to a fresh buffer: as the first of its type, and as a later one.
std::pair<std::size_t, std::size_t> queued_sizes(const std::string& body) {
  transport_config config;
  outbound_buffer probe(config);
  EXPECT_TRUE(append(probe, test::text{body}));
  auto first = take_all(probe);
  EXPECT_TRUE(append(probe, test::text{body}));
  auto later = take_all(probe);
  return {first.at(0).bytes.size(), later.at(0).bytes.size()};
}

std::size_t total_bytes(const std::vector<batch>& batches) {
  std::size_t n = 0;
  for (const auto& b : batches) n += b.bytes.size();
  return n;
}

TEST(OutboundBufferTest, RefusesPastTheByteBound) {
  const std::string body(200, 'y');
  auto [first, later] = queued_sizes(body);
  transport_config config;
  config.max_queued_bytes = first + 2 * later;
  outbound_buffer out(config);
  EXPECT_TRUE(append(out, test::text{body}));
  EXPECT_TRUE(append(out, test::text{body}));
  EXPECT_TRUE(append(out, test::text{body})) << "exactly at the bound still fits";
  EXPECT_FALSE(append(out, test::text{body}));
  EXPECT_EQ(total_bytes(take_all(out)), config.max_queued_bytes);
}

TEST(OutboundBufferTest, TheByteBoundCountsTheFrameHeadersToo) {
  // Room for the third message's tail but not for its header: refused, so what is queued never
  // exceeds max_queued_bytes (the bound used to be checked against the tail alone).
  const std::string body(200, 'y');
  auto [first, later] = queued_sizes(body);
  auto tail = tail_of(test::text{body}).size();
  ASSERT_GT(later, tail);
  transport_config config;
  config.max_queued_bytes = first + later + tail;
  outbound_buffer out(config);
  EXPECT_TRUE(append(out, test::text{body}));
  EXPECT_TRUE(append(out, test::text{body}));
  EXPECT_FALSE(append(out, test::text{body}));
  EXPECT_LE(total_bytes(take_all(out)), config.max_queued_bytes);
}

TEST(OutboundBufferTest, ARefusedMessageDefinesNoType) {
  // A TYPE frame for a message that was refused would be an id the peer never receives.
  transport_config config;
  config.max_queued_messages = 1;
  outbound_buffer out(config);
  ASSERT_TRUE(append(out, test::ping{1}));
  ASSERT_FALSE(append(out, test::text{"refused"}));
  auto batches = take_all(out);
  out.release(total_bytes(batches), 1);
  ASSERT_TRUE(append(out, test::text{"accepted"}));
  auto later = take_all(out);
  batches.insert(batches.end(), later.begin(), later.end());
  auto seen = read_session(batches);
  EXPECT_EQ(seen.type_defs, (std::vector<std::string>{"test.ping", "test.text"}));
  EXPECT_EQ(seen.texts, std::vector<std::string>{"accepted"});
}

TEST(OutboundBufferTest, ControlFramesAreQueuedEvenWhenTheQueueIsFull) {
  transport_config config;
  config.max_queued_messages = 1;
  outbound_buffer out(config);
  ASSERT_TRUE(append(out, test::ping{1}));
  ASSERT_FALSE(append(out, test::ping{2}));
  msgpack::sbuffer hb;
  encode_heartbeat(hb);
  out.append_control(hb.data(), hb.size());
  auto seen = read_session(take_all(out));
  EXPECT_EQ(seen.heartbeats, 1);
  EXPECT_EQ(seen.pings, std::vector<std::uint64_t>{1});
  EXPECT_EQ(out.queued_messages(), 1u) << "a control frame is no message";
}

TEST(OutboundBufferTest, ResetDropsWhatIsQueuedCountsItAndStartsInterningAfresh) {
  transport_config config;
  config.max_queued_messages = 5;
  outbound_buffer out(config);
  for (std::uint64_t n = 0; n < 5; ++n) ASSERT_TRUE(append(out, test::ping{n}));
  ASSERT_FALSE(append(out, test::ping{5}));
  EXPECT_EQ(out.reset().dropped, 5u);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(out.queued_messages(), 0u);
  // A new session: the peer knows no ids, so the type is defined again, and the bound is free.
  for (std::uint64_t n = 0; n < 5; ++n) ASSERT_TRUE(append(out, test::ping{n}));
  auto seen = read_session(take_all(out));
  EXPECT_EQ(seen.type_defs, std::vector<std::string>{"test.ping"});
  EXPECT_EQ(seen.pings.size(), 5u);
}

TEST(OutboundBufferTest, AReleaseLargerThanWhatIsAccountedDoesNotWrapAround) {
  transport_config config;
  config.max_queued_messages = 3;
  outbound_buffer out(config);
  ASSERT_TRUE(append(out, test::ping{1}));
  out.release(1'000'000, 50);  // e.g. a batch released after a reset already zeroed the counts
  EXPECT_EQ(out.queued_messages(), 0u);
  for (std::uint64_t n = 0; n < 3; ++n) EXPECT_TRUE(append(out, test::ping{n}));
  EXPECT_FALSE(append(out, test::ping{3}));
}

TEST(OutboundBufferTest, BusyFromTheHighWaterMarkUntilUnderHalfOfIt) {
  transport_config config;
  config.busy_bytes = 2500;
  outbound_buffer out(config);
  ASSERT_TRUE(append(out, test::text{std::string(1000, 'x')}));
  ASSERT_TRUE(append(out, test::text{std::string(1000, 'x')}));
  EXPECT_FALSE(out.busy()) << "under the mark";
  ASSERT_TRUE(append(out, test::text{std::string(1000, 'x')}));
  EXPECT_TRUE(out.busy()) << "over the mark";
  std::vector<batch> batches;
  out.take(batches);
  EXPECT_TRUE(out.busy()) << "taken is still held by the I/O thread";
  const std::size_t all = out.queued_bytes();
  EXPECT_FALSE(out.release(all - config.busy_bytes / 2 - 1, 1)) << "still over half the mark";
  EXPECT_TRUE(out.busy());
  EXPECT_TRUE(out.release(1, 1)) << "the release that reaches half the mark opens the gate";
  EXPECT_FALSE(out.busy());
  EXPECT_FALSE(out.release(1, 1)) << "only the crossing reports it";
}

TEST(OutboundBufferTest, AnAppendThatCrossesTheMarkSaysBusyButIsAccepted) {
  transport_config config;
  config.busy_bytes = 1;
  outbound_buffer out(config);
  auto r = out.append(type_of<test::ping>(), "x", 1);
  EXPECT_TRUE(r.accepted);
  EXPECT_TRUE(r.busy);
}

TEST(OutboundBufferTest, ResetCountsWhatWasTakenButNeverReleasedAndEndsBusy) {
  transport_config config;
  config.busy_bytes = 1;
  outbound_buffer out(config);
  for (std::uint64_t n = 0; n < 4; ++n) ASSERT_TRUE(append(out, test::ping{n}));
  std::vector<batch> batches;
  out.take(batches);  // held by the I/O thread (ZeroMQ would block) when the peer is lost
  ASSERT_TRUE(append(out, test::ping{4}));
  EXPECT_EQ(out.reset().dropped, 5u) << "the taken messages are dropped too";
  EXPECT_FALSE(out.busy());
}

}  // namespace outbound_buffer_test
}  // namespace troupe::transport
