#include "troupe/ops/admin_json.hpp"

#include <map>

namespace troupe {
namespace {

using nlohmann::json;
using packer = msgpack::packer<msgpack::sbuffer>;

std::string hex(const char* data, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    auto b = static_cast<unsigned char>(data[i]);
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

void pack_json(packer& pk, const json& v);

void pack_string(packer& pk, const std::string& s) {
  if (auto p = pid::parse(s)) {
    pk.pack(p);
    return;
  }
  pk.pack(s);
}

void pack_object(packer& pk, const json& v) {
  pk.pack_map(static_cast<std::uint32_t>(v.size()));
  for (auto& [k, x] : v.items()) {
    pk.pack(k);
    pack_json(pk, x);
  }
}

void pack_json(packer& pk, const json& v) {
  switch (v.type()) {
    case json::value_t::null: pk.pack_nil(); return;
    case json::value_t::boolean: pk.pack(v.get<bool>()); return;
    case json::value_t::number_integer: pk.pack(v.get<std::int64_t>()); return;
    case json::value_t::number_unsigned: pk.pack(v.get<std::uint64_t>()); return;
    case json::value_t::number_float: pk.pack(v.get<double>()); return;
    case json::value_t::string: pack_string(pk, v.get<std::string>()); return;
    case json::value_t::array:
      pk.pack_array(static_cast<std::uint32_t>(v.size()));
      for (auto& x : v) pack_json(pk, x);
      return;
    case json::value_t::object: pack_object(pk, v); return;
    default: pk.pack_nil(); return;  // binary and discarded values have no JSON text form
  }
}

json ext_to_json(const msgpack::object& v) {
  if (v.via.ext.type() == pid_ext_type) {
    try {
      return v.as<pid>().to_string();
    } catch (const std::exception&) {
    }
  }
  return {{"$ext", v.via.ext.type()}, {"hex", hex(v.via.ext.data(), v.via.ext.size)}};
}

json map_to_json(const msgpack::object& v) {
  json out = json::object();
  for (std::uint32_t i = 0; i < v.via.map.size; ++i) {
    auto& kv = v.via.map.ptr[i];
    auto key = kv.key.type == msgpack::type::STR ? kv.key.as<std::string>() : to_json(kv.key).dump();
    out[key] = to_json(kv.val);
  }
  return out;
}

packed_value pack_array(const std::vector<json>& items) {
  msgpack::sbuffer b;
  packer pk(b);
  pk.pack_array(static_cast<std::uint32_t>(items.size()));
  for (auto& x : items) pack_json(pk, x);
  return {{b.data(), b.data() + b.size()}};
}

/// An object's fields in the declared order; stops at the last one given.
result<std::vector<json>> ordered_fields(const std::string& type, const json& args) {
  auto names = message_fields(type);
  if (!names)
    return fail(errc::invalid_argument,
                "troupectl does not know the fields of '" + type + "': give them as a JSON array in declaration order");
  for (auto& [k, _] : args.items())
    if (std::find(names->begin(), names->end(), k) == names->end())
      return fail(errc::invalid_argument, "'" + type + "' has no field '" + k + "'");
  std::vector<json> out;
  for (auto& n : *names) {
    if (!args.contains(n)) break;
    out.push_back(args[n]);
  }
  if (out.size() != args.size())
    return fail(errc::invalid_argument, "give the fields of '" + type + "' in order, without gaps");
  return out;
}

}  // namespace

packed_value to_msgpack(const json& value) {
  msgpack::sbuffer b;
  packer pk(b);
  pack_json(pk, value);
  return {{b.data(), b.data() + b.size()}};
}

json to_json(const msgpack::object& v) {
  switch (v.type) {
    case msgpack::type::NIL: return nullptr;
    case msgpack::type::BOOLEAN: return v.via.boolean;
    case msgpack::type::POSITIVE_INTEGER: return v.via.u64;
    case msgpack::type::NEGATIVE_INTEGER: return v.via.i64;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: return v.via.f64;
    case msgpack::type::STR: return std::string(v.via.str.ptr, v.via.str.size);
    case msgpack::type::BIN: return {{"$bin", hex(v.via.bin.ptr, v.via.bin.size)}};
    case msgpack::type::EXT: return ext_to_json(v);
    case msgpack::type::ARRAY: {
      json out = json::array();
      for (std::uint32_t i = 0; i < v.via.array.size; ++i) out.push_back(to_json(v.via.array.ptr[i]));
      return out;
    }
    case msgpack::type::MAP: return map_to_json(v);
  }
  return nullptr;
}

result<json> to_json(const packed_value& value) {
  if (value.bytes.empty()) return json(nullptr);
  try {
    auto h = msgpack::unpack(value.bytes.data(), value.bytes.size());
    return to_json(h.get());
  } catch (const std::exception& ex) {
    return fail(errc::codec, std::string("not MessagePack: ") + ex.what());
  }
}

std::optional<std::vector<std::string>> message_fields(const std::string& type) {
  static const std::map<std::string, std::vector<std::string>> known = {
      {"troupe.text", {"value"}},
      {"troupe.map", {"fields"}},
      {"troupe.counter.inc", {"by"}},
      {"troupe.counter.get", {}},
      {"troupe.counter.value", {"n"}},
  };
  auto it = known.find(type);
  if (it == known.end()) return std::nullopt;
  return it->second;
}

result<wire_message> message_from_json(const json& value) {
  if (value.is_string()) return wire_message{"troupe.text", pack_array({value})};
  if (value.is_object()) return wire_message{"troupe.map", pack_array({value})};
  return fail(errc::invalid_argument,
              "a message is a JSON string (troupe.text) or object (troupe.map); for other types use --type and --args");
}

result<wire_message> typed_message_from_json(const std::string& type, const json& args) {
  if (args.is_null()) return wire_message{type, pack_array({})};
  if (args.is_array()) return wire_message{type, pack_array(args.get<std::vector<json>>())};
  if (!args.is_object()) return fail(errc::invalid_argument, "--args must be a JSON object or array");
  auto fields = ordered_fields(type, args);
  if (!fields) return std::unexpected(fields.error());
  return wire_message{type, pack_array(*fields)};
}

result<json> message_to_json(const std::string& type, const packed_value& body) {
  auto v = to_json(body);
  if (!v) return v;
  auto names = message_fields(type);
  if (!names || !v->is_array()) return v;
  if (type == "troupe.text" || type == "troupe.map") return v->empty() ? json(nullptr) : (*v)[0];
  json out = json::object();
  for (std::size_t i = 0; i < names->size() && i < v->size(); ++i) out[(*names)[i]] = (*v)[i];
  return out;
}

}  // namespace troupe
