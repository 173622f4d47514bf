#include "troupe/transport/codec.hpp"

#include <cstring>

#include "troupe/node/msgpack_adaptors.hpp"
#include "troupe/transport/msgpack_guard.hpp"

namespace troupe::transport {
namespace {

using packer = msgpack::packer<msgpack::sbuffer>;

template <std::size_t N>
void pack_bytes(packer& pk, const std::array<std::uint8_t, N>& a) {
  pk.pack_bin(N);
  pk.pack_bin_body(reinterpret_cast<const char*>(a.data()), N);
}

void pack_from(packer& pk, const envelope& e) {
  if (e.from.is_null())
    pk.pack_nil();
  else
    pk.pack(e.from);
}

void pack_body(msgpack::sbuffer& out, const envelope& e) { e.type->encode(e, out); }

const msgpack::object* fields(const msgpack::object& frame, std::size_t n) {
  if (frame.type != msgpack::type::ARRAY || frame.via.array.size != n) return nullptr;
  return frame.via.array.ptr;
}

template <std::size_t N>
bool read_bytes(const msgpack::object& o, std::array<std::uint8_t, N>& out) {
  if (o.type != msgpack::type::BIN || o.via.bin.size != N) return false;
  std::memcpy(out.data(), o.via.bin.ptr, N);
  return true;
}

bool read_str(const msgpack::object& o, std::string& out, std::size_t max = 255) {
  if (o.type != msgpack::type::STR || o.via.str.size > max) return false;
  out.assign(o.via.str.ptr, o.via.str.size);
  return true;
}

bool read_u32(const msgpack::object& o, std::uint32_t& out) {
  if (o.type != msgpack::type::POSITIVE_INTEGER || o.via.u64 > UINT32_MAX) return false;
  out = static_cast<std::uint32_t>(o.via.u64);
  return true;
}

decode_error bad(std::string what) { return decode_error{std::move(what)}; }

}  // namespace

// --- encoding -----------------------------------------------------------------------------------------

void encode_hello(msgpack::sbuffer& out, const hello_frame& f) {
  packer pk(out);
  pk.pack_array(f.dropped_session ? 7 : 6);
  pk.pack(std::uint8_t(frame_kind::hello));
  pk.pack(f.version);
  pk.pack(f.name);
  pk.pack(f.creation);
  pk.pack(f.listen);
  pack_bytes(pk, f.client_nonce);
  if (f.dropped_session) pack_bytes(pk, *f.dropped_session);
}

void encode_challenge(msgpack::sbuffer& out, const challenge_frame& f) {
  packer pk(out);
  pk.pack_array(6);
  pk.pack(std::uint8_t(frame_kind::challenge));
  pk.pack(f.version);
  pk.pack(f.name);
  pk.pack(f.creation);
  pack_bytes(pk, f.server_nonce);
  pack_bytes(pk, f.server_proof);
}

void encode_auth(msgpack::sbuffer& out, const proof& p) {
  packer pk(out);
  pk.pack_array(2);
  pk.pack(std::uint8_t(frame_kind::auth));
  pack_bytes(pk, p);
}

static void encode_bare(msgpack::sbuffer& out, frame_kind k) {
  packer pk(out);
  pk.pack_array(1);
  pk.pack(std::uint8_t(k));
}

void encode_welcome(msgpack::sbuffer& out) { encode_bare(out, frame_kind::welcome); }
void encode_heartbeat(msgpack::sbuffer& out) { encode_bare(out, frame_kind::heartbeat); }
void encode_bye(msgpack::sbuffer& out) { encode_bare(out, frame_kind::bye); }

void encode_heartbeat(msgpack::sbuffer& out, bool watch) {
  packer pk(out);
  pk.pack_array(2);
  pk.pack(std::uint8_t(frame_kind::heartbeat));
  pk.pack(watch);
}

void encode_receipt(msgpack::sbuffer& out, std::uint64_t received) {
  packer pk(out);
  pk.pack_array(3);
  pk.pack(std::uint8_t(frame_kind::heartbeat));
  pk.pack_nil();
  pk.pack(received);
}

void encode_lost(msgpack::sbuffer& out, const lost_report& r) {
  packer pk(out);
  pk.pack_array(4);
  pk.pack(std::uint8_t(frame_kind::lost));
  pk.pack(r.name);
  pk.pack(r.creation);
  pk.pack(r.silent_ms);
}

void encode_reject(msgpack::sbuffer& out, const std::string& reason) {
  packer pk(out);
  pk.pack_array(2);
  pk.pack(std::uint8_t(frame_kind::reject));
  pk.pack(reason);
}

void encode_type_def(msgpack::sbuffer& out, std::uint32_t id, std::string_view name) {
  packer pk(out);
  pk.pack_array(3);
  pk.pack(std::uint8_t(frame_kind::type_def));
  pk.pack(id);
  pk.pack(name);
}

void encode_message_tail(msgpack::sbuffer& out, const pid& to, const envelope& e) {
  packer pk(out);
  pk.pack(to);
  pack_from(pk, e);
  pk.pack(e.correlation);
  pack_body(out, e);
}

void encode_message_tail(msgpack::sbuffer& out, std::string_view to_name, const envelope& e) {
  packer pk(out);
  pk.pack(to_name);
  pack_from(pk, e);
  pk.pack(e.correlation);
  pack_body(out, e);
}

void encode_message_head(msgpack::sbuffer& out, std::uint32_t type_id) {
  packer pk(out);
  pk.pack_array(6);
  pk.pack(std::uint8_t(frame_kind::message));
  pk.pack(type_id);
}

void encode_message_head(msgpack::sbuffer& out, std::string_view type_name) {
  packer pk(out);
  pk.pack_array(6);
  pk.pack(std::uint8_t(frame_kind::message));
  pk.pack(type_name);
}

// --- decoding -----------------------------------------------------------------------------------------

std::optional<msgpack::object> frame_reader::next() {
  if (offset_ >= len_ || !error_.empty()) return std::nullopt;
  auto check = validate_msgpack(data_ + offset_, len_ - offset_, limits_);
  if (!check.ok()) {
    error_ = check.error;
    return std::nullopt;
  }
  try {
    zone_.clear();
    std::size_t off = offset_;
    msgpack::object obj = msgpack::unpack(zone_, data_, offset_ + check.size, off);
    offset_ = off;
    if (obj.type != msgpack::type::ARRAY || obj.via.array.size == 0) {
      error_ = "frame is not a non-empty array";
      return std::nullopt;
    }
    return obj;
  } catch (const std::exception& ex) {
    error_ = std::string("undecodable frame: ") + ex.what();
    return std::nullopt;
  }
}

std::variant<frame_kind, decode_error> kind_of(const msgpack::object& frame) {
  if (frame.type != msgpack::type::ARRAY || frame.via.array.size == 0) return bad("frame is not an array");
  const auto& k = frame.via.array.ptr[0];
  if (k.type != msgpack::type::POSITIVE_INTEGER || k.via.u64 < 1 || k.via.u64 > last_frame_kind) return bad("unknown frame kind");
  return static_cast<frame_kind>(k.via.u64);
}

std::variant<hello_frame, decode_error> decode_hello(const msgpack::object& frame) {
  const bool dropped = frame.type == msgpack::type::ARRAY && frame.via.array.size == 7;
  const auto* f = fields(frame, dropped ? 7 : 6);
  hello_frame h;
  if (!f || !read_u32(f[1], h.version) || !read_str(f[2], h.name) || h.name.empty() || !read_u32(f[3], h.creation) ||
      !read_str(f[4], h.listen) || !read_bytes(f[5], h.client_nonce))
    return bad("malformed HELLO");
  if (dropped && !read_bytes(f[6], h.dropped_session.emplace())) return bad("malformed HELLO");
  return h;
}

std::variant<challenge_frame, decode_error> decode_challenge(const msgpack::object& frame) {
  const auto* f = fields(frame, 6);
  challenge_frame c;
  if (!f || !read_u32(f[1], c.version) || !read_str(f[2], c.name) || c.name.empty() || !read_u32(f[3], c.creation) ||
      !read_bytes(f[4], c.server_nonce) || !read_bytes(f[5], c.server_proof))
    return bad("malformed CHALLENGE");
  return c;
}

std::variant<proof, decode_error> decode_auth(const msgpack::object& frame) {
  const auto* f = fields(frame, 2);
  proof p{};
  if (!f || !read_bytes(f[1], p)) return bad("malformed AUTH");
  return p;
}

std::string decode_reject_reason(const msgpack::object& frame) {
  const auto* f = fields(frame, 2);
  std::string reason;
  if (!f || !read_str(f[1], reason, 1024)) return "(no reason given)";
  return reason;
}

std::variant<std::optional<bool>, decode_error> decode_heartbeat_watch(const msgpack::object& frame) {
  if (frame.type == msgpack::type::ARRAY && frame.via.array.size == 1) return std::optional<bool>{};
  const auto* f = fields(frame, 2);
  if (!f || f[1].type != msgpack::type::BOOLEAN) return bad("malformed HEARTBEAT");
  return std::optional<bool>{f[1].via.boolean};
}

std::optional<std::uint64_t> decode_heartbeat_receipt(const msgpack::object& frame) {
  const auto* f = fields(frame, 3);
  if (!f || (f[1].type != msgpack::type::NIL && f[1].type != msgpack::type::BOOLEAN) ||
      f[2].type != msgpack::type::POSITIVE_INTEGER)
    return std::nullopt;
  return f[2].via.u64;
}

std::variant<lost_report, decode_error> decode_lost(const msgpack::object& frame) {
  const auto* f = fields(frame, 4);
  lost_report r;
  if (!f || !read_str(f[1], r.name) || r.name.empty() || !read_u32(f[2], r.creation) || !read_u32(f[3], r.silent_ms))
    return bad("malformed LOST");
  return r;
}

std::variant<const message_type*, decode_error> type_table::define(const msgpack::object& frame) {
  const auto* f = fields(frame, 3);
  std::uint32_t id = 0;
  std::string name;
  if (!f || !read_u32(f[1], id) || !read_str(f[2], name)) return bad("malformed TYPE");
  if (by_id_.size() >= 65536 && !by_id_.contains(id)) return decode_error{"too many type definitions", false};
  const message_type* t = find_message_type(name);
  by_id_[id] = t;  // null: unknown here, messages using it become counted unknown types
  if (!t) return decode_error{"unknown message type '" + name + "'", false};
  return t;
}

const message_type* type_table::find(std::uint32_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

std::variant<inbound_message, decode_error> decode_message(const msgpack::object& frame, const type_table& types) {
  const auto* f = fields(frame, 6);
  if (!f) return bad("malformed MESSAGE");
  const message_type* type = nullptr;
  if (f[1].type == msgpack::type::POSITIVE_INTEGER) {
    type = f[1].via.u64 <= UINT32_MAX ? types.find(static_cast<std::uint32_t>(f[1].via.u64)) : nullptr;
    if (!type) return decode_error{"unknown message type id " + std::to_string(f[1].via.u64), false};
  } else if (f[1].type == msgpack::type::STR) {
    std::string name(f[1].via.str.ptr, std::min<std::size_t>(f[1].via.str.size, 255));
    type = find_message_type(name);
    if (!type) return decode_error{"unknown message type '" + name + "'", false};
  } else {
    return bad("malformed MESSAGE type");
  }
  if (!type->decode) return decode_error{"message type '" + std::string(type->name) + "' is local-only", false};
  inbound_message m;
  // The envelope fields first, each with its own error: a bad pid is a malformed frame, not a
  // body that does not decode.
  try {
    if (f[2].type == msgpack::type::STR) {
      if (!read_str(f[2], m.to_name)) return bad("malformed MESSAGE target name");
    } else {
      f[2].convert(m.to);
    }
  } catch (const std::exception& ex) {
    return bad(std::string("malformed MESSAGE target: ") + ex.what());
  }
  pid from;
  try {
    if (f[3].type != msgpack::type::NIL) f[3].convert(from);
  } catch (const std::exception& ex) {
    return bad(std::string("malformed MESSAGE sender: ") + ex.what());
  }
  if (f[4].type != msgpack::type::POSITIVE_INTEGER) return bad("malformed MESSAGE correlation");
  try {
    m.envelope.reset(type->decode(f[5], from));
    m.envelope->correlation = f[4].via.u64;
  } catch (const std::exception& ex) {
    return decode_error{"body does not decode as '" + std::string(type->name) + "': " + ex.what(), false};
  }
  return m;
}

}  // namespace troupe::transport
