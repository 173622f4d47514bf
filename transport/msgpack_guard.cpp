#include "troupe/transport/msgpack_guard.hpp"

#include <cstdint>
#include <cstring>
#include <vector>

namespace troupe::transport {
namespace {

std::uint64_t read_be(const unsigned char* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

struct walker {
  const unsigned char* data;
  std::size_t len;
  const wire_limits& limits;
  std::size_t pos = 0;
  std::string error;

  bool fail(std::string why) {
    error = std::move(why);
    return false;
  }
  bool need(std::size_t n) {
    if (len - pos < n) return fail("truncated value");
    return true;
  }
  bool skip(std::size_t n) {
    if (!need(n)) return false;
    pos += n;
    return true;
  }
  bool blob(std::size_t header, std::size_t n) {
    if (n > limits.max_blob) return fail("blob of " + std::to_string(n) + " bytes exceeds the limit");
    return skip(header + n);
  }
  bool sized(int len_bytes, std::size_t extra_header) {
    if (!need(1 + len_bytes)) return false;
    return blob(1 + len_bytes + extra_header, read_be(data + pos + 1, len_bytes));
  }

  // Elements still to read at each open container level; iterative so depth costs no stack.
  bool run() {
    std::vector<std::uint64_t> open;
    open.push_back(1);
    while (!open.empty()) {
      if (open.back() == 0) {
        open.pop_back();
        continue;
      }
      --open.back();
      std::uint64_t children = 0;
      if (!one(children)) return false;
      if (children > 0) {
        if (open.size() > limits.max_depth) return fail("nesting deeper than the limit");
        if (children > limits.max_container) return fail("container claims too many elements");
        if (children > len - pos) return fail("container claims more elements than bytes remain");
        open.push_back(children);
      }
    }
    return true;
  }

  // Skips one value's header (and its body if it is a scalar or blob); sets `children` for
  // arrays (n) and maps (2n).
  bool one(std::uint64_t& children) {
    if (!need(1)) return false;
    unsigned char b = data[pos];
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) return skip(1);
    if ((b & 0xf0) == 0x80) return children = 2 * std::uint64_t(b & 0x0f), skip(1);
    if ((b & 0xf0) == 0x90) return children = b & 0x0f, skip(1);
    if ((b & 0xe0) == 0xa0) return blob(1, b & 0x1f);
    switch (b) {
      case 0xc4: return sized(1, 0);
      case 0xc5: return sized(2, 0);
      case 0xc6: return sized(4, 0);
      case 0xc7: return sized(1, 1);  // ext 8: + type byte
      case 0xc8: return sized(2, 1);
      case 0xc9: return sized(4, 1);
      case 0xca: return skip(5);
      case 0xcb: return skip(9);
      case 0xcc: case 0xd0: return skip(2);
      case 0xcd: case 0xd1: return skip(3);
      case 0xce: case 0xd2: return skip(5);
      case 0xcf: case 0xd3: return skip(9);
      case 0xd4: return skip(3);  // fixext 1
      case 0xd5: return skip(4);
      case 0xd6: return skip(6);
      case 0xd7: return skip(10);
      case 0xd8: return skip(18);
      case 0xd9: return sized(1, 0);
      case 0xda: return sized(2, 0);
      case 0xdb: return sized(4, 0);
      case 0xdc:
        if (!need(3)) return false;
        children = read_be(data + pos + 1, 2);
        return skip(3);
      case 0xdd:
        if (!need(5)) return false;
        children = read_be(data + pos + 1, 4);
        return skip(5);
      case 0xde:
        if (!need(3)) return false;
        children = 2 * read_be(data + pos + 1, 2);
        return skip(3);
      case 0xdf:
        if (!need(5)) return false;
        children = 2 * read_be(data + pos + 1, 4);
        return skip(5);
      default: return fail("reserved byte 0xc1");
    }
  }
};

}  // namespace

msgpack_check validate_msgpack(const char* data, std::size_t len, const wire_limits& limits) {
  walker w{reinterpret_cast<const unsigned char*>(data), len, limits};
  msgpack_check out;
  if (!w.run()) {
    out.error = w.error.empty() ? "malformed value" : w.error;
    return out;
  }
  out.size = w.pos;
  return out;
}

}  // namespace troupe::transport
