# Benchmarks for the OTP toolbox, part two (see bench/CMakeLists.txt).
add_executable(ets_bench ets_bench.cpp)
target_link_libraries(ets_bench PRIVATE troupe_bench_support)

add_executable(partition_supervisor_bench partition_supervisor_bench.cpp)
target_link_libraries(partition_supervisor_bench PRIVATE troupe_bench_support)
