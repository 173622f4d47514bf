# Benchmarks for the distributed registry (see bench/CMakeLists.txt).
add_executable(global_registry_bench global_registry_bench.cpp)
target_link_libraries(global_registry_bench PRIVATE troupe_bench_support troupe::registry)
