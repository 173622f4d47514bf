// libFuzzer target: arbitrary bytes as one ZeroMQ message arriving at a node, through every
// decoder the I/O thread uses (frame_reader, kind_of, the handshake frames, TYPE definitions,
// MESSAGE frames). A decoded message is encoded again, as a node forwarding it would.
//
// Properties: nothing but a decode_error comes back (no crash, no exception escaping, no
// sanitizer report), and decoding stays within the limits the guard enforces.

#include <cstddef>
#include <cstdint>
#include <variant>

#include "troupe/node/system_messages.hpp"
#include "tests/support/test_messages.hpp"
#include "troupe/transport/codec.hpp"

namespace {

using namespace troupe;
using namespace troupe::transport;

/// A table as a peer would have built it: a few known types (plain, system, signal) and one
/// name this node does not know.
type_table make_base_table() {
  static const char* names[] = {"test.ping", "test.text", "test.forward_to", "troupe.EXIT", "troupe.DOWN",
                                "troupe.sig.exit", "troupe.sig.down", "troupe.sig.monitor", "no.such.type"};
  type_table t;
  wire_limits limits;
  std::uint32_t id = 1;
  for (const char* n : names) {
    msgpack::sbuffer buf;
    encode_type_def(buf, id++, n);
    frame_reader r(buf.data(), buf.size(), limits);
    if (auto f = r.next()) (void)t.define(*f);
  }
  return t;
}

/// Encodes a decoded message again, by id and by name, to exercise the encoders on hostile values.
void reencode(const inbound_message& m) {
  msgpack::sbuffer buf;
  encode_message_head(buf, m.envelope->type->name);
  if (m.to_name.empty())
    encode_message_tail(buf, m.to, *m.envelope);
  else
    encode_message_tail(buf, m.to_name, *m.envelope);
  (void)m.envelope->from.to_string();
}

void one_frame(const msgpack::object& f, type_table& types) {
  (void)kind_of(f);
  (void)decode_hello(f);
  (void)decode_challenge(f);
  (void)decode_auth(f);
  (void)decode_reject_reason(f);
  (void)types.define(f);
  auto m = decode_message(f, types);
  if (auto* ok = std::get_if<inbound_message>(&m)) reencode(*ok);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const type_table base = make_base_table();
  static const wire_limits limits;
  type_table types = base;
  frame_reader reader(reinterpret_cast<const char*>(data), size, limits);
  while (auto f = reader.next()) one_frame(*f, types);
  return 0;
}
