# Test suite for the supervision area (see tests/CMakeLists.txt): gen_server, supervisor,
# dynamic_supervisor, and the classic OTP examples built on them.
troupe_add_test_suite(supervision_tests unit
  unit/node/behaviour/gen_server_test.cpp
  unit/node/behaviour/gen_server_timeout_test.cpp
  unit/node/behaviour/gen_server_stop_test.cpp
  unit/node/behaviour/gen_server_hibernate_test.cpp
  unit/node/behaviour/supervisor_test.cpp
  unit/node/behaviour/dynamic_supervisor_test.cpp
  unit/node/behaviour/supervisor_auto_shutdown_test.cpp
  unit/examples/rate_limiter_test.cpp
  unit/examples/connection_pool_test.cpp
  unit/examples/circuit_breaker_test.cpp
)
