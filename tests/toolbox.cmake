# Test suite for the OTP toolbox, part two (see tests/CMakeLists.txt): shared tables,
# PartitionSupervisor, worker pool, circuit breaker and demand-driven stages.
troupe_add_test_suite(toolbox_tests unit
  unit/node/table/ets_table_test.cpp
  unit/node/stage/stage_test.cpp
  unit/node/behaviour/circuit_breaker_test.cpp
  unit/node/behaviour/worker_pool_test.cpp
  unit/node/behaviour/partition_supervisor_test.cpp
)
