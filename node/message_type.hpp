#pragma once
/// @file
/// Typed messages: every message type is declared once, with a stable wire name.
///
/// ```
/// struct increment { std::int64_t by; MSGPACK_DEFINE(by); };
/// TROUPE_MESSAGE(increment, "counter.increment")     // at global scope, in a header
/// ```
/// The declaration gives the type a `message_type` descriptor: its wire name, how to destroy it,
/// and how to encode and decode its body with MessagePack, so that a node can decode a message
/// that arrives by name. `TROUPE_LOCAL_MESSAGE` declares a type that never leaves its node (it may
/// hold pointers or callables); sending one to a remote pid is refused with `errc::codec`.

#include <cstdint>
#include <msgpack.hpp>
#include <string_view>
#include <type_traits>
#include <vector>

#include "troupe/node/envelope.hpp"

namespace troupe {

/// What the runtime needs to know about a message type. One static instance per type.
struct message_type {
  /// The stable wire name, e.g. "counter.increment".
  std::string_view name;
  /// Destroys a `message_envelope<T>`.
  void (*destroy)(envelope*) noexcept;
  /// Appends the MessagePack body of the envelope's payload; null for local-only types.
  void (*encode)(const envelope&, msgpack::sbuffer&);
  /// Builds an envelope from a decoded body; throws msgpack::type_error on a mismatch.
  /// Null for local-only types.
  envelope* (*decode)(const msgpack::object&, pid from);
  /// True for the runtime's own control signals (link, monitor, exit...), which a process
  /// handles itself instead of passing to its handlers.
  bool signal = false;
  /// True for sys requests (node/sys.hpp): ordinary, ordered messages that the runtime answers
  /// for every process, before its handlers see them, even while it is suspended.
  bool system = false;
};

/// Specialised by TROUPE_MESSAGE; a type without a specialisation is not a message.
template <class T>
struct message_traits;

template <class T>
concept message = requires { message_traits<std::remove_cvref_t<T>>::type; };

/// The descriptor of message type T.
template <message T>
const message_type& type_of() noexcept {
  return message_traits<std::remove_cvref_t<T>>::type;
}

/// Looks a message type up by wire name; null if no such type is linked into this program.
/// @threadsafe
const message_type* find_message_type(std::string_view name) noexcept;
/// Every registered type (for diagnostics and docs). @threadsafe
std::vector<const message_type*> registered_message_types();

namespace detail {

/// Adds a descriptor to the registry; duplicate names abort at start-up (two types, one name).
const message_type& add_message_type(const message_type& t);

template <class T>
void destroy_as(envelope* e) noexcept {
  delete static_cast<message_envelope<T>*>(e);
}

template <class T>
void encode_as(const envelope& e, msgpack::sbuffer& out) {
  msgpack::pack(out, static_cast<const message_envelope<T>&>(e).value);
}

template <class T>
envelope* decode_as(const msgpack::object& body, pid from);

template <class T, bool Wire, bool Signal, bool System = false>
const message_type& make_message_type(std::string_view name) {
  static const message_type t = [name] {
    message_type m{name, &destroy_as<T>, nullptr, nullptr, Signal, System};
    if constexpr (Wire) {
      m.encode = &encode_as<T>;
      m.decode = &decode_as<T>;
    }
    return m;
  }();
  return add_message_type(t);
}

}  // namespace detail

/// Allocates an envelope holding T built from args.
template <message T, class... Args>
envelope_ptr make_envelope(pid from, Args&&... args) {
  return envelope_ptr(new message_envelope<T>(&type_of<T>(), from, std::forward<Args>(args)...));
}

/// True if the envelope holds a T.
template <message T>
bool holds(const envelope& e) noexcept {
  return e.type == &type_of<T>();
}

/// The payload of an envelope known to hold a T.
template <class T>
T& payload(envelope& e) noexcept {
  return static_cast<message_envelope<T>&>(e).value;
}
template <class T>
const T& payload(const envelope& e) noexcept {
  return static_cast<const message_envelope<T>&>(e).value;
}

template <class T>
envelope* detail::decode_as(const msgpack::object& body, pid from) {
  auto* e = new message_envelope<T>(&type_of<T>(), from);
  try {
    body.convert(e->value);
  } catch (...) {
    delete e;
    throw;
  }
  return e;
}

}  // namespace troupe

/// Declares T as a message with wire name NAME. Use at global scope, once, next to T.
#define TROUPE_MESSAGE(T, NAME)                                                          \
  template <>                                                                            \
  struct troupe::message_traits<T> {                                                     \
    static constexpr bool wire = true;                                                   \
    static inline const ::troupe::message_type& type =                                   \
        ::troupe::detail::make_message_type<T, true, false>(NAME);                       \
  }

/// Declares T as a message that never leaves its node (no codec). Use at global scope.
#define TROUPE_LOCAL_MESSAGE(T, NAME)                                                    \
  template <>                                                                            \
  struct troupe::message_traits<T> {                                                     \
    static constexpr bool wire = false;                                                  \
    static inline const ::troupe::message_type& type =                                   \
        ::troupe::detail::make_message_type<T, false, false>(NAME);                      \
  }

/// Declares a sys request (internal to Troupe, see node/sys_messages.hpp).
#define TROUPE_SYSTEM_MESSAGE(T, NAME)                                                   \
  template <>                                                                            \
  struct troupe::message_traits<T> {                                                     \
    static constexpr bool wire = true;                                                   \
    static inline const ::troupe::message_type& type =                                   \
        ::troupe::detail::make_message_type<T, true, false, true>(NAME);                 \
  }

/// Declares a runtime control signal (internal to Troupe).
#define TROUPE_SIGNAL(T, NAME)                                                           \
  template <>                                                                            \
  struct troupe::message_traits<T> {                                                     \
    static constexpr bool wire = true;                                                   \
    static inline const ::troupe::message_type& type =                                   \
        ::troupe::detail::make_message_type<T, true, true>(NAME);                        \
  }
