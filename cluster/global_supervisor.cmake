# The global supervisor (a distributed DynamicSupervisor) and its placement strategies.
target_sources(troupe_cluster PRIVATE
  placement.cpp
  child_events.cpp
  global_supervisor.cpp
  global_supervisor_server.cpp
  global_supervisor_ownership.cpp
)
