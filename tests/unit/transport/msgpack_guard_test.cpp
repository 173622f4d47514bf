#include "troupe/transport/msgpack_guard.hpp"

#include <gtest/gtest.h>

#include <msgpack.hpp>
#include <string>

namespace troupe::transport {
namespace {

std::string packed(auto&& v) {
  msgpack::sbuffer b;
  msgpack::pack(b, v);
  return {b.data(), b.size()};
}

TEST(MsgpackGuardTest, AcceptsOrdinaryValuesAndReportsTheirSize) {
  wire_limits limits;
  auto bytes = packed(std::make_tuple(1, "two", std::vector<int>{3, 4, 5}, std::map<std::string, double>{{"x", 1.5}}));
  auto check = validate_msgpack(bytes.data(), bytes.size(), limits);
  EXPECT_TRUE(check.ok()) << check.error;
  EXPECT_EQ(check.size, bytes.size());
}

TEST(MsgpackGuardTest, MeasuresOnlyTheFirstValue) {
  wire_limits limits;
  auto bytes = packed(7) + packed(std::string("next"));
  auto check = validate_msgpack(bytes.data(), bytes.size(), limits);
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check.size, 1u);
}

TEST(MsgpackGuardTest, RejectsATruncatedValue) {
  wire_limits limits;
  auto bytes = packed(std::string(100, 'x'));
  auto check = validate_msgpack(bytes.data(), bytes.size() - 1, limits);
  EXPECT_FALSE(check.ok());
}

TEST(MsgpackGuardTest, RejectsAnArrayClaimingMoreElementsThanBytesRemain) {
  wire_limits limits;
  const char hostile[] = {char(0xdd), char(0x7f), char(0xff), char(0xff), char(0xff), 0x01};  // array32 of 2^31 elements
  auto check = validate_msgpack(hostile, sizeof(hostile), limits);
  EXPECT_FALSE(check.ok());
}

TEST(MsgpackGuardTest, RejectsAMapClaimingMoreEntriesThanBytesRemain) {
  wire_limits limits;
  const char hostile[] = {char(0xdf), char(0x10), 0x00, 0x00, 0x00, 0x01, 0x02};
  EXPECT_FALSE(validate_msgpack(hostile, sizeof(hostile), limits).ok());
}

TEST(MsgpackGuardTest, RejectsNestingDeeperThanTheLimit) {
  wire_limits limits;
  limits.max_depth = 8;
  std::string deep(20, char(0x91));  // twenty nested one-element arrays
  deep += char(0x01);
  EXPECT_FALSE(validate_msgpack(deep.data(), deep.size(), limits).ok());
  std::string shallow(5, char(0x91));
  shallow += char(0x01);
  EXPECT_TRUE(validate_msgpack(shallow.data(), shallow.size(), limits).ok());
}

TEST(MsgpackGuardTest, RejectsABlobLargerThanTheLimit) {
  wire_limits limits;
  limits.max_blob = 10;
  auto bytes = packed(std::string(11, 'x'));
  EXPECT_FALSE(validate_msgpack(bytes.data(), bytes.size(), limits).ok());
}

TEST(MsgpackGuardTest, RejectsTheReservedByte) {
  wire_limits limits;
  const char bad[] = {char(0xc1)};
  EXPECT_FALSE(validate_msgpack(bad, 1, limits).ok());
}

TEST(MsgpackGuardTest, RejectsEmptyInput) {
  wire_limits limits;
  EXPECT_FALSE(validate_msgpack("", 0, limits).ok());
}

}  // namespace
}  // namespace troupe::transport
