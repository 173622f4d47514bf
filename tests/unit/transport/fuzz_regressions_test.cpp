// Inputs of the kinds the fuzzers in fuzz/ explore (hostile headers, nested pids, deep values),
// replayed through the decoding path a node uses, so that what the fuzzers checked stays true.
// A crash a fuzzer finds gets its input added here, with the fix.

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "troupe/node/system_messages.hpp"
#include "tests/support/test_messages.hpp"
#include "troupe/transport/codec.hpp"
#include "troupe/transport/msgpack_guard.hpp"

namespace troupe::transport {
namespace {

using namespace std::string_literals;

/// What decoding one ZeroMQ message produced, frame by frame.
struct outcome {
  int frames = 0;
  int messages = 0;
  std::string reader_error;
  std::string last_error;
};

/// Feeds `bytes` through the decoders as the I/O thread does (and the frame fuzzer does).
outcome decode_all(const std::string& bytes, type_table types = {}) {
  wire_limits limits;
  frame_reader reader(bytes.data(), bytes.size(), limits);
  outcome out;
  while (auto f = reader.next()) {
    ++out.frames;
    auto kind = kind_of(*f);
    if (std::holds_alternative<decode_error>(kind)) break;
    if (std::get<frame_kind>(kind) == frame_kind::type_def) {
      auto d = types.define(*f);
      if (auto* e = std::get_if<decode_error>(&d)) out.last_error = e->what;
      continue;
    }
    auto m = decode_message(*f, types);
    if (std::holds_alternative<inbound_message>(m)) ++out.messages;
    else out.last_error = std::get<decode_error>(m).what;
  }
  out.reader_error = reader.error();
  return out;
}

/// [8, "test.forward_to", "echo", nil, 0, [<pid whose ext data is `pid_data`>]]
std::string forward_to_with_pid_data(const std::string& pid_data) {
  return "\x96\x08"s + "\xaftest.forward_to" + "\xa4" "echo" + "\xc0\x00\x91"s + "\xc7" +
         static_cast<char>(pid_data.size()) + "\x01" + pid_data;
}

TEST(FuzzRegressionsTest, AnEmptyInputDecodesToNothing) {
  auto r = decode_all("");
  EXPECT_EQ(r.frames, 0);
  EXPECT_TRUE(r.reader_error.empty());
}

TEST(FuzzRegressionsTest, AHeaderClaimingFourBillionElementsIsRefusedBeforeAnyAllocation) {
  auto r = decode_all("\xdd\xff\xff\xff\xff\x01"s);
  EXPECT_EQ(r.frames, 0);
  EXPECT_FALSE(r.reader_error.empty());
}

TEST(FuzzRegressionsTest, NestingPastTheLimitIsRefusedAndAtTheLimitAccepted) {
  wire_limits limits;
  std::string at_limit(limits.max_depth, '\x91');
  at_limit += '\x01';
  EXPECT_TRUE(validate_msgpack(at_limit.data(), at_limit.size(), limits).ok());
  std::string past = "\x91" + at_limit;
  EXPECT_FALSE(validate_msgpack(past.data(), past.size(), limits).ok());
}

TEST(FuzzRegressionsTest, APidWhoseDataIsAHugeMapDropsTheMessageOnly) {
  auto r = decode_all(forward_to_with_pid_data("\xdf\x7f\xff\xff\xff"s));
  EXPECT_EQ(r.frames, 1);
  EXPECT_EQ(r.messages, 0);
  EXPECT_NE(r.last_error.find("does not decode"), std::string::npos) << r.last_error;
}

TEST(FuzzRegressionsTest, APidWithANegativeCreationOrAnEmptyNodeIsRefused) {
  EXPECT_EQ(decode_all(forward_to_with_pid_data("\x93\xa1n\xff\x01"s)).messages, 0);
  EXPECT_EQ(decode_all(forward_to_with_pid_data("\x93\xa0\x01\x01"s)).messages, 0);
  EXPECT_EQ(decode_all(forward_to_with_pid_data("\x93\xa1n\x01\x01"s)).messages, 1);
}

TEST(FuzzRegressionsTest, AnExitReasonThatIsNotTwoStringsDropsTheMessageOnly) {
  // [8, "troupe.sig.exit", "echo", nil, 0, [[1, 2], true]]
  auto r = decode_all("\x96\x08\xaftroupe.sig.exit\xa4" "echo\xc0\x00\x92\x92\x01\x02\xc3"s);
  EXPECT_EQ(r.frames, 1);
  EXPECT_EQ(r.messages, 0);
}

TEST(FuzzRegressionsTest, AnUnknownExitKindDecodesAsError) {
  // [8, "troupe.sig.exit", "echo", nil, 0, [["bogus", "d"], false]]
  std::string bytes = "\x96\x08\xaftroupe.sig.exit\xa4" "echo\xc0\x00\x92\x92\xa5" "bogus\xa1" "d\xc2"s;
  wire_limits limits;
  frame_reader reader(bytes.data(), bytes.size(), limits);
  auto f = reader.next();
  ASSERT_TRUE(f);
  auto m = decode_message(*f, {});
  ASSERT_TRUE(std::holds_alternative<inbound_message>(m)) << std::get<decode_error>(m).what;
  const auto& sig = payload<signals::exit>(*std::get<inbound_message>(m).envelope);
  EXPECT_EQ(sig.reason, exit_reason::error("d"));
}

TEST(FuzzRegressionsTest, ATypeIdRedefinedAsUnknownStopsResolving) {
  // [7, 1, "test.ping"], [7, 1, "no.such"], [8, 1, "echo", nil, 0, [1]]
  auto r = decode_all("\x93\x07\x01\xa9test.ping\x93\x07\x01\xa7no.such\x96\x08\x01\xa4" "echo\xc0\x00\x91\x01"s);
  EXPECT_EQ(r.frames, 3);
  EXPECT_EQ(r.messages, 0);
}

TEST(FuzzRegressionsTest, TrailingGarbageAfterAValidFrameStopsTheReaderWithAnError) {
  auto r = decode_all("\x91\x06\xc1"s);
  EXPECT_EQ(r.frames, 1);
  EXPECT_FALSE(r.reader_error.empty());
}

}  // namespace
}  // namespace troupe::transport
