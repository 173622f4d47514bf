// JSON <-> MessagePack as troupectl and the admin process use it (ops/admin_json.hpp).

#include "troupe/ops/admin_json.hpp"

#include <gtest/gtest.h>

#include "tools/troupe_node/builtin_actors.hpp"

namespace troupe {
namespace {

using nlohmann::json;

json round_trip(const json& v) {
  auto back = to_json(to_msgpack(v));
  EXPECT_TRUE(back) << back.error().message();
  return back ? *back : json();
}

/// Decodes `m` with the codec of its wire type, as the admin does on the node.
envelope_ptr decode(const wire_message& m) {
  auto h = msgpack::unpack(m.body.bytes.data(), m.body.bytes.size());
  return envelope_ptr(find_message_type(m.type)->decode(h.get(), pid{}));
}

TEST(AdminJsonTest, ScalarsArraysAndObjectsSurviveARoundTrip) {
  json v = {{"n", -3}, {"u", 7}, {"f", 1.5}, {"s", "x"}, {"b", true}, {"z", nullptr}, {"a", {1, "two", json::array()}}};
  EXPECT_EQ(round_trip(v), v);
}

TEST(AdminJsonTest, APidTextBecomesAPidAndReadsBackAsText) {
  pid p{intern_node("n1"), 3, 42};
  auto packed = to_msgpack(json(p.to_string()));
  auto h = msgpack::unpack(packed.bytes.data(), packed.bytes.size());
  EXPECT_EQ(h.get().type, msgpack::type::EXT);
  EXPECT_EQ(h.get().as<pid>(), p);
  EXPECT_EQ(to_json(h.get()), json(p.to_string()));
}

TEST(AdminJsonTest, BinaryReadsAsHex) {
  msgpack::sbuffer b;
  msgpack::packer<msgpack::sbuffer>(b).pack_bin(2).pack_bin_body("\x01\xff", 2);
  auto v = to_json(packed_value{{b.data(), b.data() + b.size()}});
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, json({{"$bin", "01ff"}}));
}

TEST(AdminJsonTest, GarbageBytesAreACodecErrorNotACrash) {
  auto v = to_json(packed_value{{'\xc1'}});
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error(), errc::codec);
}

TEST(AdminJsonTest, AStringIsATextMessage) {
  auto m = message_from_json(json("hello"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, "troupe.text");
  auto e = decode(*m);
  EXPECT_EQ(payload<text_message>(*e).value, "hello");
}

TEST(AdminJsonTest, AnObjectIsAMapMessageWithAnyValues) {
  auto m = message_from_json(json{{"k", 1}, {"list", {1, 2}}});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, "troupe.map");
  auto e = decode(*m);
  auto& fields = payload<map_message>(*e).fields;
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(*to_json(fields.at("list")), json({1, 2}));
  auto back = message_to_json("troupe.map", to_msgpack(json::array({json{{"k", 1}, {"list", {1, 2}}}})));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, json({{"k", 1}, {"list", {1, 2}}}));
}

TEST(AdminJsonTest, ANumberAloneIsNotAMessage) { EXPECT_FALSE(message_from_json(json(5))); }

TEST(AdminJsonTest, TypedArgsByFieldNameFollowTheDeclaredOrder) {
  auto m = typed_message_from_json("troupe.counter.inc", json{{"by", 2}});
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(payload<builtin::counter_inc>(*decode(*m)).by, 2);
}

TEST(AdminJsonTest, TypedArgsMayBePositionalOrOmittedForDefaults) {
  auto positional = typed_message_from_json("troupe.counter.inc", json::array({5}));
  ASSERT_TRUE(positional);
  EXPECT_EQ(payload<builtin::counter_inc>(*decode(*positional)).by, 5);
  auto defaulted = typed_message_from_json("troupe.counter.inc", json(nullptr));
  ASSERT_TRUE(defaulted);
  EXPECT_EQ(payload<builtin::counter_inc>(*decode(*defaulted)).by, 1);
}

TEST(AdminJsonTest, AnUnknownFieldOrAnUnknownTypesObjectArgsAreRefused) {
  EXPECT_FALSE(typed_message_from_json("troupe.counter.inc", json{{"step", 2}}));
  auto unknown = typed_message_from_json("my.type", json{{"x", 1}});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().context().find("JSON array"), std::string::npos);
}

TEST(AdminJsonTest, AKnownReplyReadsAsAnObjectOfItsFields) {
  msgpack::sbuffer b;
  msgpack::pack(b, builtin::counter_value{7});
  auto v = message_to_json("troupe.counter.value", packed_value{{b.data(), b.data() + b.size()}});
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, json({{"n", 7}}));
}

}  // namespace
}  // namespace troupe
