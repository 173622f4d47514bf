#pragma once
/// @file
/// Deprecated path (0.2): the hybrid logical clock moved to `<troupe/cluster/global_clock.hpp>`,
/// shared by the registry and the global supervisor. This forwarding header goes away in 0.3.
#pragma message("<troupe/registry/global_clock.hpp> is deprecated: include <troupe/cluster/global_clock.hpp>")
#include "troupe/cluster/global_clock.hpp"
