# The global supervisor's failover and placement benchmark on real troupe-node processes (see
# bench/CMakeLists.txt; run it through `tools/bench global`).
add_executable(failover_bench failover_bench.cpp ${PROJECT_SOURCE_DIR}/tools/troupectl/admin_client.cpp)
target_link_libraries(failover_bench PRIVATE troupe_bench_support troupe::ops troupe_builtin_actors)
target_compile_definitions(failover_bench PRIVATE TROUPE_NODE_BINARY="$<TARGET_FILE:troupe-node>")
add_dependencies(failover_bench troupe-node)
