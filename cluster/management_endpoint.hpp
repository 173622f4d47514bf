#pragma once
/// @file
/// Deprecated path (0.2): the management endpoint moved to the operator layer,
/// `<troupe/ops/management_endpoint.hpp>`. This forwarding header goes away in 0.3.
#pragma message("<troupe/cluster/management_endpoint.hpp> is deprecated: include <troupe/ops/management_endpoint.hpp>")
#include "troupe/ops/management_endpoint.hpp"
