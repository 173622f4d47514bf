#pragma once
/// @file
/// `behavior`: a process's message handlers, one small function per message type.
///
/// ```
/// behavior{
///   [&](const ping& p) { self.send(self.sender(), pong{p.n}); },
///   [&](const down_msg& d) { ... },
///   [&](envelope& any) { ... },   // optional catch-all, must come last
/// }
/// ```
/// A handler that returns a message (instead of void) answers a call with it; see `call.hpp`.
/// Dispatch compares the envelope's type descriptor with each handler's, in order: a few
/// pointer comparisons, no hashing, no allocation. All handlers live in one allocation.

#include <memory>
#include <tuple>
#include <type_traits>

#include "troupe/node/message_type.hpp"

namespace troupe {

class actor;

namespace detail {

/// Sends `reply` back to the caller of `request` if `request` is a call; otherwise drops it.
void send_reply(actor& self, const envelope& request, envelope_ptr reply);

template <class F>
struct handler_arg : handler_arg<decltype(&F::operator())> {};
template <class C, class R, class A>
struct handler_arg<R (C::*)(A) const> {
  using type = std::remove_cvref_t<A>;
};
template <class C, class R, class A>
struct handler_arg<R (C::*)(A)> {
  using type = std::remove_cvref_t<A>;
};
template <class R, class A>
struct handler_arg<R (*)(A)> {
  using type = std::remove_cvref_t<A>;
};

template <class F>
using handler_arg_t = typename handler_arg<std::remove_cvref_t<F>>::type;

struct behavior_base {
  virtual ~behavior_base() = default;
  virtual bool dispatch(envelope& e, actor& self) = 0;
};

/// Calls f with the payload; a handler that returns a message answers a call with it.
template <class F, class Arg>
void invoke_handler(F& f, Arg& arg, envelope& e, actor& self) {
  using R = std::invoke_result_t<F&, Arg&>;
  if constexpr (std::is_void_v<R>) {
    f(arg);
  } else {
    static_assert(message<R>, "a handler returns void, or a message type that answers a call");
    auto reply = f(arg);
    if (e.is_call()) send_reply(self, e, make_envelope<R>(pid{}, std::move(reply)));
  }
}

template <class F>
bool try_handler(F& f, envelope& e, actor& self) {
  using arg = handler_arg_t<F>;
  if constexpr (std::is_same_v<arg, envelope>) {
    invoke_handler(f, e, e, self);
    return true;
  } else {
    if (e.type != &type_of<arg>()) return false;
    invoke_handler(f, payload<arg>(e), e, self);
    return true;
  }
}

template <class... Fs>
struct behavior_impl final : behavior_base {
  std::tuple<Fs...> handlers;
  explicit behavior_impl(Fs... fs) : handlers(std::move(fs)...) {}
  bool dispatch(envelope& e, actor& self) override {
    return std::apply([&](auto&... h) { return (try_handler(h, e, self) || ...); }, handlers);
  }
};

}  // namespace detail

class behavior {
 public:
  behavior() = default;
  template <class... Fs>
    requires(sizeof...(Fs) > 0)
  behavior(Fs... fs)  // NOLINT: implicit, so `return {handlers...};` reads naturally
      : impl_(std::make_unique<detail::behavior_impl<Fs...>>(std::move(fs)...)) {}

  /// Runs the first handler for the envelope's type. False if none matches (or the behavior is empty).
  bool dispatch(envelope& e, actor& self) { return impl_ && impl_->dispatch(e, self); }
  explicit operator bool() const noexcept { return impl_ != nullptr; }

 private:
  std::unique_ptr<detail::behavior_base> impl_;
};

}  // namespace troupe
