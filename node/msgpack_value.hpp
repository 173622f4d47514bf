#pragma once
/// @file
/// `msgpack_value`: one MessagePack value kept in its encoded form, so a message can carry a
/// value whose C++ type the runtime does not know (a process's state, for sys::get_state).
///
/// On the wire it is the value itself, not a byte string: a client in another language reads a
/// state as it reads any other field. The admin's messages use it too, as `packed_value`
/// (ops/admin_messages.hpp).

#include <msgpack.hpp>
#include <string>
#include <vector>

#include "troupe/node/error.hpp"

namespace troupe {

struct msgpack_value {
  std::vector<char> bytes;  ///< exactly one MessagePack value; empty packs as nil
  friend bool operator==(const msgpack_value&, const msgpack_value&) = default;

  /// Encodes `v` with its MessagePack adaptor.
  template <class T>
  static msgpack_value of(const T& v) {
    msgpack::sbuffer b;
    msgpack::pack(b, v);
    return {{b.data(), b.data() + b.size()}};
  }
  /// Decodes the value as a `T`; `codec` error if it does not fit.
  template <class T>
  [[nodiscard]] result<T> as() const {
    try {
      msgpack::object_handle h;
      if (!bytes.empty()) h = msgpack::unpack(bytes.data(), bytes.size());
      return h.get().as<T>();
    } catch (const std::exception& ex) {
      return fail(errc::codec, std::string("the value does not decode as the type asked for: ") + ex.what());
    }
  }
};

}  // namespace troupe

namespace msgpack {
MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS) {
  namespace adaptor {

  template <>
  struct pack<troupe::msgpack_value> {
    template <class Stream>
    packer<Stream>& operator()(packer<Stream>& o, const troupe::msgpack_value& v) const {
      if (v.bytes.empty()) return o.pack_nil();
      auto h = msgpack::unpack(v.bytes.data(), v.bytes.size());
      return o.pack(h.get());
    }
  };

  template <>
  struct convert<troupe::msgpack_value> {
    const msgpack::object& operator()(const msgpack::object& o, troupe::msgpack_value& v) const {
      msgpack::sbuffer b;
      msgpack::pack(b, o);
      v.bytes.assign(b.data(), b.data() + b.size());
      return o;
    }
  };

  }  // namespace adaptor
}  // MSGPACK_API_VERSION_NAMESPACE
}  // namespace msgpack
