# Test suite for the registry area (see tests/CMakeLists.txt): Registry, Agent, Task,
# Task.Supervisor and the classic OTP examples built on them.
troupe_add_test_suite(registry_tests unit
  unit/registry/registry_test.cpp
  unit/registry/registry_events_test.cpp
  unit/node/behaviour/agent_test.cpp
  unit/node/behaviour/task_test.cpp
  unit/node/behaviour/task_supervisor_test.cpp
  unit/examples/config_cache_test.cpp
  unit/examples/parallel_tasks_test.cpp
)
target_link_libraries(registry_tests PRIVATE troupe::registry)
