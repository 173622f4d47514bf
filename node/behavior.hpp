#pragma once
/// @file
/// Deprecated path (0.2): `behavior`, a process's message handlers, is declared in
/// `<troupe/node/message_handlers.hpp>` (this name sat beside the folder `node/behaviour/`, the
/// OTP behaviours, and read as the same thing). This forwarding header goes away in 0.3.
#pragma message("<troupe/node/behavior.hpp> is deprecated: include <troupe/node/message_handlers.hpp>")
#include "troupe/node/message_handlers.hpp"
