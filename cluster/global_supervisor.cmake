# The global supervisor (a distributed DynamicSupervisor) and its placement strategies.
target_sources(troupe_cluster PRIVATE
  placement.cpp
  child_events.cpp
  global_supervisor.cpp
  global_supervisor_server.cpp
  global_supervisor_reconcile.cpp
  global_supervisor_replica.cpp
  global_supervisor_view.cpp
  global_supervisor_holds.cpp
  global_supervisor_ownership.cpp
  global_supervisor_children.cpp
  global_supervisor_snapshots.cpp
)
