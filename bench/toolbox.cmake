# Benchmarks for the OTP toolbox, part two (see bench/CMakeLists.txt).
add_executable(ets_bench ets_bench.cpp)
target_link_libraries(ets_bench PRIVATE troupe_bench_support)
