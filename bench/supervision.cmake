# Benchmarks for the supervision area (see bench/CMakeLists.txt).
