#pragma once
/// @file
/// The common case in one include: processes and messages, the OTP behaviours a service is
/// made of, and `node_app` to run the program as a cluster node.
/// ```
/// #include <troupe/troupe.hpp>
/// ```
/// Finer headers live beside it: `<troupe/node/...>` (the local runtime and behaviours),
/// `<troupe/cluster/...>` (node, global supervisor), `<troupe/registry/...>` (local and
/// distributed names, process groups). Everything installed under `troupe/` is public API;
/// nothing else is.

#include "troupe/app/node_app.hpp"
#include "troupe/node/actor.hpp"
#include "troupe/node/message_type.hpp"
#include "troupe/version.hpp"
