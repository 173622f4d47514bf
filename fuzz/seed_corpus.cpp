// Writes the seed corpora of the fuzz targets: valid frames and batches produced by the codec
// itself, so the fuzzers start from inputs that get past the first checks.
//
//   seed_corpus <fuzz dir>     writes <fuzz dir>/corpus/<target>/<name>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "troupe/node/system_messages.hpp"
#include "tests/support/test_messages.hpp"
#include "troupe/transport/codec.hpp"

namespace {

using namespace troupe;
using namespace troupe::transport;
namespace fs = std::filesystem;

void write(const fs::path& dir, const std::string& name, const msgpack::sbuffer& b) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary).write(b.data(), static_cast<std::streamsize>(b.size()));
}

/// A nonce that is the same on every run, so regenerating the seeds changes nothing.
nonce fixed_nonce(std::uint8_t x) {
  nonce n{};
  for (std::size_t i = 0; i < n.size(); ++i) n[i] = static_cast<std::uint8_t>(x + i);
  return n;
}

template <class T>
msgpack::sbuffer message(std::uint32_t id, const char* name, const pid& to, const pid& from, std::uint64_t corr, T value) {
  msgpack::sbuffer b;
  auto e = make_envelope<T>(from, std::move(value));
  e->correlation = corr;
  encode_type_def(b, id, name);
  encode_message_head(b, id);
  encode_message_tail(b, to, *e);
  return b;
}

void frames(const fs::path& dir) {
  pid a{intern_node("node-a"), 7, 42}, b{intern_node("node-b"), 9, 1};
  msgpack::sbuffer s;
  encode_hello(s, hello_frame{protocol_version, "node-a", 7, "tcp://127.0.0.1:7101", fixed_nonce(1)});
  write(dir, "hello", s);
  s.clear();
  encode_challenge(s, challenge_frame{protocol_version, "node-b", 9, fixed_nonce(2), proof{}});
  write(dir, "challenge", s);
  s.clear();
  encode_auth(s, proof{});
  encode_welcome(s);
  encode_heartbeat(s);
  encode_reject(s, "wrong cookie");
  encode_bye(s);
  write(dir, "small_frames", s);
  write(dir, "ping", message(1, "test.ping", b, a, 0, test::ping{5}));
  write(dir, "call", message(2, "test.text", b, a, 17, test::text{"hello"}));
  write(dir, "reply", message(2, "test.text", a, b, 17 | envelope::reply_bit, test::text{"HELLO"}));
  write(dir, "exit", message(3, "troupe.EXIT", b, a, 0, exit_msg{a, exit_reason::error("boom")}));
  write(dir, "down", message(4, "troupe.DOWN", b, a, 0, down_msg{3, a, exit_reason::noconnection()}));
  write(dir, "sig_exit", message(5, "troupe.sig.exit", b, a, 0, signals::exit{exit_reason::killed(), true}));
  write(dir, "forward", message(6, "test.forward_to", b, a, 0, test::forward_to{a}));
  s.clear();
  auto e = make_envelope<test::text>(pid{}, test::text{"by name"});
  e->correlation = 5;
  encode_message_head(s, "test.text");
  encode_message_tail(s, "echo", *e);
  write(dir, "by_name", s);
}

void values(const fs::path& dir) {
  msgpack::sbuffer s;
  msgpack::pack(s, std::map<std::string, std::vector<int>>{{"a", {1, 2, 3}}, {"b", {}}});
  write(dir, "map", s);
  s.clear();
  msgpack::pack(s, pid{intern_node("node-a"), 7, 42});
  write(dir, "pid", s);
  s.clear();
  msgpack::packer<msgpack::sbuffer> pk(s);
  pk.pack_array(4);
  pk.pack(1.5);
  pk.pack(-70000);
  pk.pack_bin(3);
  pk.pack_bin_body("xyz", 3);
  pk.pack_nil();
  write(dir, "mixed", s);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: seed_corpus <fuzz dir>\n");
    return 2;
  }
  fs::path root = fs::path(argv[1]) / "corpus";
  frames(root / "frame_decoder_fuzz");
  values(root / "msgpack_guard_fuzz");
  frames(root / "msgpack_guard_fuzz");
  return 0;
}
