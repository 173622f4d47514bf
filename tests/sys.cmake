# sys: debugging a live process (node/sys.hpp) — local processes, and remote pids over ZeroMQ.
troupe_add_test_suite(sys_tests unit unit/node/sys_test.cpp)
troupe_add_test_suite(sys_remote_tests integration integration/sys_remote_test.cpp)
target_link_libraries(sys_remote_tests PRIVATE troupe::transport)

# `troupectl sys ...`: the real binary against real troupe-node processes.
troupe_add_test_suite(troupectl_sys_tests integration integration/troupectl_sys_test.cpp)
target_compile_definitions(troupectl_sys_tests PRIVATE
  TROUPE_NODE_BINARY="$<TARGET_FILE:troupe-node>"
  TROUPECTL_BINARY="$<TARGET_FILE:troupectl>")
add_dependencies(troupectl_sys_tests troupe-node troupectl)
