#pragma once
/// @file
/// `reply_to`: where the answer to a call goes (Erlang's From in handle_call). It can be kept
/// and used later, from any process, to reply after the handler has returned.

#include <cstdint>

#include "troupe/node/msgpack_adaptors.hpp"
#include "troupe/node/pid.hpp"

namespace troupe {

struct reply_to {
  pid caller;
  std::uint64_t ref = 0;
  explicit operator bool() const noexcept { return ref != 0; }
  friend bool operator==(const reply_to&, const reply_to&) = default;
  MSGPACK_DEFINE(caller, ref);
};

}  // namespace troupe
