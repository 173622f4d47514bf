#pragma once
/// @file
/// Deprecated path (0.2): the wiring of a node's cluster services moved next to the node entry
/// point, `<troupe/app/cluster_services.hpp>`. This forwarding header goes away in 0.3.
#pragma message("<troupe/registry/cluster_services.hpp> is deprecated: include <troupe/app/cluster_services.hpp>")
#include "troupe/app/cluster_services.hpp"
