#pragma once
/// @file
/// The name a behaviour process registers itself under as it starts (OTP's `{local, Name}` and
/// `{via, Module, Name}` in `start_link`), shared by gen_server and gen_statem.

#include "troupe/node/actor.hpp"
#include "troupe/node/behaviour/start_ack.hpp"
#include "troupe/node/error.hpp"

namespace troupe::detail {

/// Registers `self` under `cfg.name`, if it names one: `name_taken` (or the service's error) when
/// another process holds it. @note Owning actor only, before init.
[[nodiscard]] result<void> claim_start_name(actor& self, const start_config& cfg);
/// Drops a `via` name claimed above (a local name goes with the process, as in Erlang).
void release_start_name(actor& self, const start_config& cfg) noexcept;

}  // namespace troupe::detail
