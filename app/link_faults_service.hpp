#pragma once
/// @file
/// `troupe.link_faults`: the process through which netlab (or anyone with troupectl) sets delay,
/// jitter and loss on a node's links when the kernel has no netem (docs/netlab.md). A node runs it only
/// when started with `--allow-fault-injection` (node_app.hpp): it is a test tool.
///
///   troupectl call troupe.link_faults --type troupe.link_faults.set --args '["n2", 100, 20, 0.05]'
///   -> troupe.link_faults.state {"json": "{\"n2\": {\"delay_ms\": 100, ...}}"}
///
/// `peer` is a node name, or "*" for every peer without a setting of its own; all zero clears
/// the setting. `troupe.link_faults.get{}` answers the same state without changing it.

#include <cstdint>
#include <string>

#include "troupe/node/actor_system.hpp"
#include "troupe/node/message_type.hpp"
#include "troupe/transport/link_faults.hpp"

namespace troupe::app {

struct link_faults_set {
  std::string peer;
  std::int64_t delay_ms = 0;
  std::int64_t jitter_ms = 0;
  double loss = 0.0;
  MSGPACK_DEFINE(peer, delay_ms, jitter_ms, loss);
};
struct link_faults_get {
  MSGPACK_DEFINE();
};
/// Every setting now, as a JSON object keyed by peer.
struct link_faults_state {
  std::string json;
  MSGPACK_DEFINE(json);
};

/// Spawns the service on `system`, registered locally as "troupe.link_faults", acting on `faults`
/// (which must outlive the system's processes).
pid start_link_faults_service(actor_system& system, transport::link_faults& faults);

}  // namespace troupe::app

TROUPE_MESSAGE(troupe::app::link_faults_set, "troupe.link_faults.set");
TROUPE_MESSAGE(troupe::app::link_faults_get, "troupe.link_faults.get");
TROUPE_MESSAGE(troupe::app::link_faults_state, "troupe.link_faults.state");
