# troupectl: JSON <-> MessagePack units, and the real troupectl binary against real node processes.
troupe_add_test_suite(cluster_admin_unit_tests unit unit/cluster/admin_json_test.cpp)
target_link_libraries(cluster_admin_unit_tests PRIVATE troupe::cluster troupe_builtin_actors)

find_package(CLI11 REQUIRED)
# A troupe-node that surely runs the admin process (see tools/troupectl/admin_test_node.cpp);
# point TROUPE_NODE_BINARY at troupe-node once node startup starts the admin itself.
add_executable(troupe-admin-test-node ${PROJECT_SOURCE_DIR}/tools/troupectl/admin_test_node.cpp)
target_include_directories(troupe-admin-test-node PRIVATE ${PROJECT_SOURCE_DIR})
target_link_libraries(troupe-admin-test-node PRIVATE troupe::cluster troupe_builtin_actors CLI11::CLI11)

troupe_add_test_suite(troupectl_tests integration integration/troupectl_test.cpp)
target_compile_definitions(troupectl_tests PRIVATE
  TROUPE_NODE_BINARY="$<TARGET_FILE:troupe-admin-test-node>"
  TROUPECTL_BINARY="$<TARGET_FILE:troupectl>")
add_dependencies(troupectl_tests troupe-admin-test-node troupectl)
