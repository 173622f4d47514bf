# The pure cores, each tested alone (no network; a deterministic actor_system only where the core
# delivers to processes): the failure detector, the outbound buffer and remote watches of a
# connection, placement, the event timeline, the global supervisor's view, replica and ownership
# decisions, the restart intensity both supervisors share, the registry's conflict rule and its
# name and group replicas.
troupe_add_test_suite(core_unit_tests unit
  unit/transport/phi_detector_test.cpp
  unit/transport/monitor_ring_test.cpp
  unit/transport/outbound_buffer_test.cpp
  unit/transport/remote_watches_test.cpp
  unit/transport/session_test.cpp
  unit/cluster/placement_test.cpp
  unit/cluster/event_timeline_test.cpp
  unit/cluster/global_supervisor_view_test.cpp
  unit/cluster/global_supervisor_replica_test.cpp
  unit/cluster/global_supervisor_ownership_test.cpp
  unit/node/behaviour/restart_intensity_test.cpp
  unit/registry/conflict_policy_test.cpp
  unit/registry/name_table_test.cpp
  unit/registry/global_group_table_test.cpp
)
target_link_libraries(core_unit_tests PRIVATE troupe::ops)

# troupe::cluster_node (cluster/cluster_node.hpp) on the ZeroMQ transport and on a simulated network.
troupe_add_test_suite(cluster_node_unit_tests unit unit/cluster/cluster_node_test.cpp)
target_link_libraries(cluster_node_unit_tests PRIVATE troupe::simulation)
