# The global supervisor across real troupe-node processes (kill -9, SIGSTOP, drain, snapshots,
# a minority partition), driven through their admin processes with troupectl's client library.
# Labelled `scenario`: whole-cluster runs, in the Release suite only (see tests/CMakeLists.txt).
troupe_add_test_suite(global_failover_tests scenario
  integration/global_failover_test.cpp
  ${PROJECT_SOURCE_DIR}/tools/troupectl/admin_client.cpp
)
target_link_libraries(global_failover_tests PRIVATE troupe::ops troupe_builtin_actors)
target_compile_definitions(global_failover_tests PRIVATE TROUPE_NODE_BINARY="$<TARGET_FILE:troupe-node>")
add_dependencies(global_failover_tests troupe-node)
# The partition test drives tools/netlab (network namespaces), which needs troupectl next to troupe-node.
target_compile_definitions(global_failover_tests PRIVATE
  TROUPE_SOURCE_DIR="${PROJECT_SOURCE_DIR}" TROUPE_BUILD_DIR="${CMAKE_BINARY_DIR}")
add_dependencies(global_failover_tests troupectl)
