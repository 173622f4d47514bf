#include "troupe/transport/codec.hpp"
#include "troupe/transport/handshake.hpp"

#include <gtest/gtest.h>

#include "troupe/node/system_messages.hpp"
#include "tests/support/test_messages.hpp"

namespace troupe::transport {
namespace {

using test::ping;


TEST(CodecTest, HelloRoundTrips) {
  msgpack::sbuffer buf;
  hello_frame h{protocol_version, "n1", 7, "tcp://127.0.0.1:7101", make_nonce()};
  encode_hello(buf, h);
  wire_limits limits;
  frame_reader r(buf.data(), buf.size(), limits);
  auto f = r.next();
  ASSERT_TRUE(f);
  ASSERT_EQ(std::get<frame_kind>(kind_of(*f)), frame_kind::hello);
  auto back = std::get<hello_frame>(decode_hello(*f));
  EXPECT_EQ(back.name, "n1");
  EXPECT_EQ(back.creation, 7u);
  EXPECT_EQ(back.listen, "tcp://127.0.0.1:7101");
  EXPECT_EQ(back.client_nonce, h.client_nonce);
  EXPECT_FALSE(back.dropped_session);
  EXPECT_EQ(f->via.array.size, 6u);  // without a dropped session, the HELLO is the old six elements
}

TEST(CodecTest, AHelloNamingADroppedSessionRoundTripsAndABadOneIsMalformed) {
  msgpack::sbuffer buf;
  hello_frame h{protocol_version, "n1", 7, "tcp://127.0.0.1:7101", make_nonce(), make_nonce()};
  encode_hello(buf, h);
  wire_limits limits;
  frame_reader r(buf.data(), buf.size(), limits);
  auto f = r.next();
  ASSERT_TRUE(f);
  auto back = std::get<hello_frame>(decode_hello(*f));
  ASSERT_TRUE(back.dropped_session);
  EXPECT_EQ(*back.dropped_session, *h.dropped_session);

  msgpack::sbuffer bad;
  msgpack::packer<msgpack::sbuffer> pk(bad);
  pk.pack_array(7);
  pk.pack(std::uint8_t(frame_kind::hello));
  pk.pack(protocol_version);
  pk.pack(std::string("n1"));
  pk.pack(std::uint32_t(7));
  pk.pack(std::string("tcp://127.0.0.1:7101"));
  pk.pack_bin(32);
  pk.pack_bin_body(reinterpret_cast<const char*>(h.client_nonce.data()), 32);
  pk.pack(std::string("not a nonce"));
  frame_reader rb(bad.data(), bad.size(), limits);
  auto fb = rb.next();
  ASSERT_TRUE(fb);
  EXPECT_TRUE(std::holds_alternative<decode_error>(decode_hello(*fb)));
}

TEST(CodecTest, AMessageFrameRoundTripsWithAnInternedType) {
  msgpack::sbuffer buf;
  pid to{intern_node("dst"), 2, 10}, from{intern_node("src"), 3, 11};
  auto e = make_envelope<ping>(from, ping{42});
  e->correlation = 99;
  encode_type_def(buf, 1, "test.ping");
  encode_message_head(buf, 1);
  encode_message_tail(buf, to, *e);
  wire_limits limits;
  frame_reader r(buf.data(), buf.size(), limits);
  type_table types;
  auto def = r.next();
  ASSERT_TRUE(def);
  ASSERT_TRUE(std::holds_alternative<const message_type*>(types.define(*def)));
  auto msg = r.next();
  ASSERT_TRUE(msg);
  auto decoded = decode_message(*msg, types);
  ASSERT_TRUE(std::holds_alternative<inbound_message>(decoded));
  auto& m = std::get<inbound_message>(decoded);
  EXPECT_EQ(m.to, to);
  EXPECT_EQ(m.envelope->from, from);
  EXPECT_EQ(m.envelope->correlation, 99u);
  EXPECT_EQ(payload<ping>(*m.envelope).n, 42u);
  EXPECT_FALSE(r.next());
  EXPECT_TRUE(r.error().empty());
}

TEST(CodecTest, AMessageMayNameItsTypeAndTargetAsStrings) {
  // What a client in another language would send: no interning, a registered name as target.
  msgpack::sbuffer buf;
  auto e = make_envelope<ping>(pid{}, ping{5});
  encode_message_head(buf, "test.ping");
  encode_message_tail(buf, std::string_view("worker"), *e);
  wire_limits limits;
  frame_reader r(buf.data(), buf.size(), limits);
  type_table types;
  auto decoded = decode_message(*r.next(), types);
  ASSERT_TRUE(std::holds_alternative<inbound_message>(decoded));
  EXPECT_EQ(std::get<inbound_message>(decoded).to_name, "worker");
  EXPECT_TRUE(std::get<inbound_message>(decoded).envelope->from.is_null());
}

TEST(CodecTest, AnUnknownTypeIdIsAnError) {
  msgpack::sbuffer buf;
  auto e = make_envelope<ping>(pid{}, ping{5});
  encode_message_head(buf, 77);
  encode_message_tail(buf, pid{1, 1, 1}, *e);
  wire_limits limits;
  frame_reader r(buf.data(), buf.size(), limits);
  type_table types;
  EXPECT_TRUE(std::holds_alternative<decode_error>(decode_message(*r.next(), types)));
}

TEST(CodecTest, AnUnknownTypeNameIsAnError) {
  msgpack::sbuffer buf;
  auto e = make_envelope<ping>(pid{}, ping{5});
  encode_message_head(buf, "no.such.type");
  encode_message_tail(buf, pid{1, 1, 1}, *e);
  wire_limits limits;
  frame_reader r(buf.data(), buf.size(), limits);
  type_table types;
  auto d = decode_message(*r.next(), types);
  ASSERT_TRUE(std::holds_alternative<decode_error>(d));
  EXPECT_NE(std::get<decode_error>(d).what.find("no.such.type"), std::string::npos);
}

TEST(CodecTest, ABodyOfTheWrongShapeIsAnErrorNotACrash) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(6);
  pk.pack(8);
  pk.pack("test.ping");
  pk.pack(pid{1, 1, 1});
  pk.pack_nil();
  pk.pack(0);
  pk.pack("not a ping");
  wire_limits limits;
  frame_reader r(buf.data(), buf.size(), limits);
  type_table types;
  EXPECT_TRUE(std::holds_alternative<decode_error>(decode_message(*r.next(), types)));
}

TEST(CodecTest, LocalOnlyTypesAreRefusedFromTheWire) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(6);
  pk.pack(8);
  pk.pack("troupe.timed");
  pk.pack(pid{1, 1, 1});
  pk.pack_nil();
  pk.pack(0);
  pk.pack_nil();
  wire_limits limits;
  frame_reader r(buf.data(), buf.size(), limits);
  type_table types;
  EXPECT_TRUE(std::holds_alternative<decode_error>(decode_message(*r.next(), types)));
}

TEST(CodecTest, AFrameThatIsNotAnArrayStopsTheReader) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, 12);
  wire_limits limits;
  frame_reader r(buf.data(), buf.size(), limits);
  EXPECT_FALSE(r.next());
  EXPECT_FALSE(r.error().empty());
}

TEST(CodecTest, AnUnknownFrameKindIsAnError) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, std::vector<int>{42});
  wire_limits limits;
  frame_reader r(buf.data(), buf.size(), limits);
  auto f = r.next();
  ASSERT_TRUE(f);
  EXPECT_TRUE(std::holds_alternative<decode_error>(kind_of(*f)));
}

TEST(CodecTest, AHostilePidExtDoesNotDecode) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  const char inner[] = {char(0xdd), char(0x7f), char(0xff), char(0xff), char(0xff)};  // array of 2^31
  pk.pack_array(6);
  pk.pack(8);
  pk.pack("test.ping");
  pk.pack_ext(sizeof(inner), pid_ext_type);
  pk.pack_ext_body(inner, sizeof(inner));
  pk.pack_nil();
  pk.pack(0);
  pk.pack(std::vector<int>{1});
  wire_limits limits;
  frame_reader r(buf.data(), buf.size(), limits);
  type_table types;
  EXPECT_TRUE(std::holds_alternative<decode_error>(decode_message(*r.next(), types)));
}

}  // namespace
}  // namespace troupe::transport
