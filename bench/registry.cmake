# Benchmarks for the registry area (see bench/CMakeLists.txt).
add_executable(registry_bench registry_bench.cpp)
target_link_libraries(registry_bench PRIVATE troupe_bench_support troupe::registry)
