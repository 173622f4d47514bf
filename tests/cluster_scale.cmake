# Thirty-two real troupe-node processes (issue 19): formation, detection of a SIGKILL and a
# SIGSTOP, global names and children converging, clean shutdown. Label `scenario`
# (Release suite only); RUN_SERIAL, because a 32-node cluster is the whole machine's load.
add_executable(cluster_scale_tests integration/cluster_scale_test.cpp ${PROJECT_SOURCE_DIR}/tools/troupectl/admin_client.cpp)
target_link_libraries(cluster_scale_tests PRIVATE troupe_test_support troupe::ops troupe_builtin_actors)
target_compile_definitions(cluster_scale_tests PRIVATE TROUPE_NODE_BINARY="$<TARGET_FILE:troupe-node>")
add_dependencies(cluster_scale_tests troupe-node)
gtest_discover_tests(cluster_scale_tests PROPERTIES LABELS scenario TIMEOUT 300 RUN_SERIAL TRUE DISCOVERY_TIMEOUT 60)
