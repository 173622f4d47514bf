#pragma once
/// @file
/// Deprecated path (0.2): the class `node` is now `cluster_node`, declared in
/// `<troupe/cluster/cluster_node.hpp>` (the old name read as the `node/` module, the runtime, and
/// its CMake target `troupe::node`). This forwarding header goes away in 0.3; so does the
/// deprecated alias `troupe::node`.
#pragma message("<troupe/cluster/node.hpp> is deprecated: include <troupe/cluster/cluster_node.hpp> (class troupe::cluster_node)")
#include "troupe/cluster/cluster_node.hpp"
