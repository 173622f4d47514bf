#pragma once
/// @file
/// MessagePack adaptors for the runtime's own value types, so that messages may hold them.
///
/// - `pid` is the ext type 1 whose data is the msgpack array [node name (str), creation (uint),
///   serial (uint)] — see docs/PROTOCOL.md.
/// - `exit_reason` is the array [kind (str), detail (str)], kind being "normal", "killed", ...
/// - durations travel as integer microseconds.

#include <chrono>
#include <msgpack.hpp>
#include <string>

#include "troupe/node/exit_reason.hpp"
#include "troupe/node/pid.hpp"

namespace troupe {
/// The MessagePack ext type code of a pid.
inline constexpr std::int8_t pid_ext_type = 1;
/// Parses an exit reason kind; returns error kind for unknown text.
exit_reason::kind parse_exit_kind(std::string_view text) noexcept;
}  // namespace troupe

namespace msgpack {
MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS) {
  namespace adaptor {

  template <>
  struct pack<troupe::pid> {
    template <class Stream>
    packer<Stream>& operator()(packer<Stream>& o, const troupe::pid& p) const {
      sbuffer body;
      packer<sbuffer> inner(body);
      inner.pack_array(3);
      inner.pack(troupe::node_name(p.node));
      inner.pack(p.creation);
      inner.pack(p.serial);
      o.pack_ext(body.size(), troupe::pid_ext_type);
      o.pack_ext_body(body.data(), body.size());
      return o;
    }
  };

  template <>
  struct convert<troupe::pid> {
    const msgpack::object& operator()(const msgpack::object& o, troupe::pid& p) const {
      if (o.type != type::EXT || o.via.ext.type() != troupe::pid_ext_type || o.via.ext.size > 300) throw type_error();
      // Bounded: [str <= 255, uint, uint], so a hostile body cannot make the decoder allocate.
      std::size_t off = 0;
      object_handle h = msgpack::unpack(o.via.ext.data(), std::size_t(o.via.ext.size), off,
                                        static_cast<unpack_reference_func>(nullptr), static_cast<void*>(nullptr),
                                        unpack_limit(3, 0, 255, 0, 0, 2));
      const msgpack::object& a = h.get();
      if (a.type != type::ARRAY || a.via.array.size != 3 || a.via.array.ptr[0].type != type::STR)
        throw type_error();
      const auto& name = a.via.array.ptr[0].via.str;
      if (name.size == 0 || name.size > 255) throw type_error();
      p.node = troupe::intern_node(std::string_view(name.ptr, name.size));
      a.via.array.ptr[1].convert(p.creation);
      a.via.array.ptr[2].convert(p.serial);
      return o;
    }
  };

  template <>
  struct pack<troupe::exit_reason> {
    template <class Stream>
    packer<Stream>& operator()(packer<Stream>& o, const troupe::exit_reason& r) const {
      o.pack_array(2);
      o.pack(std::string_view(troupe::to_string(r.what())));
      o.pack(r.detail());
      return o;
    }
  };

  template <>
  struct convert<troupe::exit_reason> {
    const msgpack::object& operator()(const msgpack::object& o, troupe::exit_reason& r) const {
      if (o.type != type::ARRAY || o.via.array.size != 2) throw type_error();
      auto kind = o.via.array.ptr[0].as<std::string>();
      r = troupe::exit_reason(troupe::parse_exit_kind(kind), o.via.array.ptr[1].as<std::string>());
      return o;
    }
  };

  template <class Rep, class Period>
  struct pack<std::chrono::duration<Rep, Period>> {
    template <class Stream>
    packer<Stream>& operator()(packer<Stream>& o, const std::chrono::duration<Rep, Period>& d) const {
      o.pack(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
      return o;
    }
  };

  template <class Rep, class Period>
  struct convert<std::chrono::duration<Rep, Period>> {
    const msgpack::object& operator()(const msgpack::object& o, std::chrono::duration<Rep, Period>& d) const {
      d = std::chrono::duration_cast<std::chrono::duration<Rep, Period>>(
          std::chrono::microseconds(o.as<std::int64_t>()));
      return o;
    }
  };

  }  // namespace adaptor
}
}  // namespace msgpack
