# troupectl: JSON <-> MessagePack units, and the real troupectl binary against real node processes.
troupe_add_test_suite(cluster_admin_unit_tests unit unit/ops/admin_json_test.cpp)
target_link_libraries(cluster_admin_unit_tests PRIVATE troupe::ops troupe_builtin_actors)

troupe_add_test_suite(troupectl_tests integration integration/troupectl_test.cpp)
target_compile_definitions(troupectl_tests PRIVATE
  TROUPE_NODE_BINARY="$<TARGET_FILE:troupe-node>"
  TROUPECTL_BINARY="$<TARGET_FILE:troupectl>")
add_dependencies(troupectl_tests troupe-node troupectl)
