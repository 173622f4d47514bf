// Inputs the fuzzers in fuzz/ found to misbehave, replayed through the same decoding path, so
// each fix stays fixed. Each test names what the input exercised and what must hold.

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "tests/support/test_messages.hpp"
#include "transport/codec.hpp"
#include "transport/msgpack_guard.hpp"

namespace troupe::transport {
namespace {

/// Feeds `bytes` through the decoders as the I/O thread would; true if nothing threw.
bool decode_all(const std::string& bytes) {
  wire_limits limits;
  frame_reader reader(bytes.data(), bytes.size(), limits);
  type_table types;
  while (auto f = reader.next()) {
    auto k = kind_of(*f);
    if (std::holds_alternative<decode_error>(k)) break;
    (void)decode_hello(*f);
    (void)decode_challenge(*f);
    (void)decode_auth(*f);
    (void)decode_reject_reason(*f);
    (void)types.define(*f);
    (void)decode_message(*f, types);
  }
  return true;
}

TEST(FuzzRegressionsTest, AnEmptyInputDecodesToNothing) { EXPECT_TRUE(decode_all("")); }

}  // namespace
}  // namespace troupe::transport
