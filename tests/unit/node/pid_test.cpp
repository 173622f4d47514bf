#include "troupe/node/pid.hpp"

#include <gtest/gtest.h>

#include <unordered_set>

#include "troupe/node/msgpack_adaptors.hpp"

namespace troupe {
namespace {

TEST(PidTest, PrintsAsNodeCreationSerial) {
  pid p{intern_node("n1"), 3, 42};
  EXPECT_EQ(p.to_string(), "<n1.3.42>");
}

TEST(PidTest, ParsesWhatItPrints) {
  pid p{intern_node("node-with.dots"), 7, 123456789};
  EXPECT_EQ(pid::parse(p.to_string()), p);
}

TEST(PidTest, RejectsTextThatIsNotAPid) {
  EXPECT_TRUE(pid::parse("n1.3.42").is_null());
  EXPECT_TRUE(pid::parse("<n1.x.42>").is_null());
  EXPECT_TRUE(pid::parse("<n1.3>").is_null());
  EXPECT_TRUE(pid::parse("<>").is_null());
}

TEST(PidTest, DiffersByCreationSoAnOldIncarnationIsAnotherProcess) {
  pid old_life{intern_node("n1"), 1, 5};
  pid new_life{intern_node("n1"), 2, 5};
  EXPECT_NE(old_life, new_life);
  EXPECT_NE(std::hash<pid>{}(old_life), std::hash<pid>{}(new_life));
}

TEST(PidTest, IsHashableAndOrdered) {
  std::unordered_set<pid> set;
  for (std::uint64_t i = 1; i <= 1000; ++i) set.insert(pid{intern_node("n1"), 1, i});
  EXPECT_EQ(set.size(), 1000u);
  EXPECT_LT((pid{0, 1, 1}), (pid{0, 1, 2}));
}

TEST(PidTest, IsSixteenBytesAndTriviallyCopyable) {
  EXPECT_EQ(sizeof(pid), 16u);
  EXPECT_TRUE(std::is_trivially_copyable_v<pid>);
}

TEST(PidTest, RoundTripsThroughMessagePackAsAnExtType) {
  pid p{intern_node("remote-node"), 9, 77};
  msgpack::sbuffer buf;
  msgpack::pack(buf, p);
  auto h = msgpack::unpack(buf.data(), buf.size());
  ASSERT_EQ(h.get().type, msgpack::type::EXT);
  EXPECT_EQ(h.get().via.ext.type(), pid_ext_type);
  EXPECT_EQ(h.get().as<pid>(), p);
}

TEST(PidTest, RejectsAMalformedExtBody) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  const char junk[] = {char(0x93), char(0x01)};  // array of 3 with one element
  pk.pack_ext(sizeof(junk), pid_ext_type);
  pk.pack_ext_body(junk, sizeof(junk));
  auto h = msgpack::unpack(buf.data(), buf.size());
  EXPECT_ANY_THROW(h.get().as<pid>());
}

}  // namespace
}  // namespace troupe
