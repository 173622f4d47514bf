# Test suite for the statem area (see tests/CMakeLists.txt).
troupe_add_test_suite(statem_tests unit
  unit/node/behaviour/gen_statem_test.cpp
  unit/node/behaviour/gen_statem_start_test.cpp
  unit/examples/payment_fsm_test.cpp
)
