#pragma once
/// @file
/// The messages of the flow-control blast tests (flow_control_test.cpp and its receiving node,
/// blast_node.cpp): numbered payloads, and the sink's count of what it saw and in what order.

#include <cstdint>
#include <string>

#include "troupe/node/message_type.hpp"
#include "troupe/node/pid.hpp"

namespace troupe::blast {

/// The `seq`th message of a blast.
struct seq_blob {
  std::uint64_t seq = 0;
  std::string pad;
  MSGPACK_DEFINE(seq, pad);
};
/// To the sink: count from zero, report to `report_to` once `n` arrived.
struct expect {
  std::uint64_t n = 0;
  pid report_to;
  MSGPACK_DEFINE(n, report_to);
};
/// From the sink: how many arrived, and how many of them out of order.
struct seen {
  std::uint64_t n = 0;
  std::uint64_t out_of_order = 0;
  MSGPACK_DEFINE(n, out_of_order);
};
/// A call to the sink, answered with `seen`.
struct how_many {
  MSGPACK_DEFINE();
};

}  // namespace troupe::blast

TROUPE_MESSAGE(troupe::blast::seq_blob, "blast.seq_blob");
TROUPE_MESSAGE(troupe::blast::expect, "blast.expect");
TROUPE_MESSAGE(troupe::blast::seen, "blast.seen");
TROUPE_MESSAGE(troupe::blast::how_many, "blast.how_many");
