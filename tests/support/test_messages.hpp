#pragma once
/// @file
/// Small message types shared by the tests.

#include <cstdint>
#include <string>

#include "troupe/node/message_type.hpp"
#include "troupe/node/msgpack_adaptors.hpp"

namespace troupe::test {

struct ping {
  std::uint64_t n = 0;
  MSGPACK_DEFINE(n);
};
struct pong {
  std::uint64_t n = 0;
  MSGPACK_DEFINE(n);
};
struct text {
  std::string value;
  MSGPACK_DEFINE(value);
};
struct crash {
  std::string why;
  MSGPACK_DEFINE(why);
};
struct forward_to {
  pid target;
  MSGPACK_DEFINE(target);
};

}  // namespace troupe::test

TROUPE_MESSAGE(troupe::test::ping, "test.ping");
TROUPE_MESSAGE(troupe::test::pong, "test.pong");
TROUPE_MESSAGE(troupe::test::text, "test.text");
TROUPE_MESSAGE(troupe::test::crash, "test.crash");
TROUPE_MESSAGE(troupe::test::forward_to, "test.forward_to");
