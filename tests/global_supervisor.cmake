# The global supervisor: three to five real nodes in one process over ZeroMQ on 127.0.0.1
# (see tests/CMakeLists.txt).
troupe_add_test_suite(global_supervisor_tests integration
  integration/global_supervisor_test.cpp
)
target_link_libraries(global_supervisor_tests PRIVATE troupe::ops troupe_builtin_actors)
