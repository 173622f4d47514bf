# Test suite for the distributed registry and process groups: five real nodes in one process
# over ZeroMQ on 127.0.0.1 (see tests/CMakeLists.txt).
troupe_add_test_suite(global_registry_tests integration
  integration/global_registry_test.cpp
  integration/registry_membership_test.cpp
)
target_link_libraries(global_registry_tests PRIVATE troupe::ops)
