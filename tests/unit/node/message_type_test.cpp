#include "troupe/node/message_type.hpp"

#include <gtest/gtest.h>

#include "troupe/node/system_messages.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe {
namespace {

using test::ping;
using test::text;

TEST(MessageTypeTest, IsFoundByItsWireName) {
  EXPECT_EQ(find_message_type("test.ping"), &type_of<ping>());
  EXPECT_EQ(find_message_type("no.such.type"), nullptr);
}

TEST(MessageTypeTest, EncodesAndDecodesItsBody) {
  auto e = make_envelope<text>(pid{}, text{"hello"});
  msgpack::sbuffer buf;
  e->type->encode(*e, buf);
  auto h = msgpack::unpack(buf.data(), buf.size());
  envelope_ptr back(find_message_type("test.text")->decode(h.get(), pid{}));
  ASSERT_TRUE(holds<text>(*back));
  EXPECT_EQ(payload<text>(*back).value, "hello");
}

TEST(MessageTypeTest, ABodyOfTheWrongShapeFailsToDecodeWithoutLeaking) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, std::string("not an array"));
  auto h = msgpack::unpack(buf.data(), buf.size());
  EXPECT_THROW(find_message_type("test.ping")->decode(h.get(), pid{}), msgpack::type_error);
}

TEST(MessageTypeTest, LocalOnlyTypesHaveNoCodec) {
  EXPECT_EQ(type_of<detail::timed_message>().encode, nullptr);
  EXPECT_EQ(type_of<detail::timed_message>().decode, nullptr);
}

TEST(MessageTypeTest, SignalsAreMarkedAsSignals) {
  EXPECT_TRUE(type_of<signals::exit>().signal);
  EXPECT_FALSE(type_of<exit_msg>().signal);
}

TEST(MessageTypeTest, ExitReasonsRoundTrip) {
  auto e = make_envelope<exit_msg>(pid{}, exit_msg{pid{intern_node("a"), 1, 2}, exit_reason::error("why")});
  msgpack::sbuffer buf;
  e->type->encode(*e, buf);
  auto h = msgpack::unpack(buf.data(), buf.size());
  envelope_ptr back(type_of<exit_msg>().decode(h.get(), pid{}));
  EXPECT_EQ(payload<exit_msg>(*back).reason, exit_reason::error("why"));
  EXPECT_EQ(payload<exit_msg>(*back).from, (pid{intern_node("a"), 1, 2}));
}

}  // namespace
}  // namespace troupe
