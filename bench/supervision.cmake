# Benchmarks for the supervision area (see bench/CMakeLists.txt).
add_executable(gen_server_bench gen_server_bench.cpp)
target_link_libraries(gen_server_bench PRIVATE troupe_bench_support)

add_executable(supervisor_bench supervisor_bench.cpp)
target_link_libraries(supervisor_bench PRIVATE troupe_bench_support)
