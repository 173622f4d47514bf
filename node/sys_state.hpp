#pragma once
/// @file
/// Which states `sys::get_state` can show and `sys::replace_state` can set, and how they are
/// encoded: one MessagePack value, so a state crosses nodes like a message does.
///
/// `sys_packable<T>` holds for the types Troupe can see an adaptor for: numbers, bool, strings,
/// enums (as their underlying integer), structs with `MSGPACK_DEFINE`, pids, and the standard
/// containers, pairs, tuples and optionals of these. A type whose adaptor lives outside the
/// class (a `msgpack::adaptor` specialisation, `MSGPACK_ADD_ENUM`) opts in with
/// `template <> inline constexpr bool enable_sys_state<my_type> = true;`.

#include <array>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <msgpack.hpp>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "troupe/node/msgpack_adaptors.hpp"
#include "troupe/node/msgpack_value.hpp"
#include "troupe/node/pid.hpp"

namespace troupe {

/// Specialise to true for a state type with a MessagePack adaptor defined outside the class.
template <class T>
inline constexpr bool enable_sys_state = false;

namespace detail {

template <class T>
struct packable : std::bool_constant<std::is_arithmetic_v<T> || enable_sys_state<T>> {};
template <class T>
  requires requires(const T& t, T& m, msgpack::packer<msgpack::sbuffer>& p, const msgpack::object& o) {
    t.msgpack_pack(p);
    m.msgpack_unpack(o);
  }
struct packable<T> : std::true_type {};
template <>
struct packable<std::string> : std::true_type {};
template <>
struct packable<pid> : std::true_type {};
template <>
struct packable<exit_reason> : std::true_type {};
template <>
struct packable<msgpack_value> : std::true_type {};
template <class T, class A>
struct packable<std::vector<T, A>> : packable<T> {};
template <class T, class A>
struct packable<std::deque<T, A>> : packable<T> {};
template <class T, class A>
struct packable<std::list<T, A>> : packable<T> {};
template <class T, std::size_t N>
struct packable<std::array<T, N>> : packable<T> {};
template <class T, class C, class A>
struct packable<std::set<T, C, A>> : packable<T> {};
template <class T, class H, class E, class A>
struct packable<std::unordered_set<T, H, E, A>> : packable<T> {};
template <class K, class V, class C, class A>
struct packable<std::map<K, V, C, A>> : std::bool_constant<packable<K>::value && packable<V>::value> {};
template <class K, class V, class H, class E, class A>
struct packable<std::unordered_map<K, V, H, E, A>> : std::bool_constant<packable<K>::value && packable<V>::value> {};
template <class A, class B>
struct packable<std::pair<A, B>> : std::bool_constant<packable<A>::value && packable<B>::value> {};
template <class... Ts>
struct packable<std::tuple<Ts...>> : std::bool_constant<(packable<Ts>::value && ...)> {};
template <class T>
struct packable<std::optional<T>> : packable<T> {};

}  // namespace detail

/// True when a `T` can be shown by `sys::get_state` and set by `sys::replace_state`.
template <class T>
concept sys_packable = std::is_enum_v<T> || detail::packable<std::remove_cv_t<T>>::value;

/// Appends `v` as one MessagePack value (an enum as its underlying integer).
template <sys_packable T>
void pack_state(msgpack::sbuffer& out, const T& v) {
  if constexpr (std::is_enum_v<T>)
    msgpack::pack(out, static_cast<std::underlying_type_t<T>>(v));
  else
    msgpack::pack(out, v);
}

/// Sets `v` from `o`, all or nothing where `T` can be copied; throws msgpack::type_error (or
/// another std::exception) when `o` does not fit.
template <sys_packable T>
void unpack_state(const msgpack::object& o, T& v) {
  if constexpr (std::is_enum_v<T>) {
    v = static_cast<T>(o.as<std::underlying_type_t<T>>());
  } else if constexpr (std::is_copy_constructible_v<T> && std::is_move_assignable_v<T>) {
    T fresh(v);  // decode into a copy, so a value that fits only halfway changes nothing
    o.convert(fresh);
    v = std::move(fresh);
  } else {
    o.convert(v);
  }
}

namespace detail {
/// How sys reaches a state exposed with `actor::expose_state`.
struct state_access {
  std::function<void(msgpack::sbuffer&)> get;
  std::function<void(const msgpack::object&)> replace;  ///< throws if the value does not fit
};
}  // namespace detail

}  // namespace troupe
