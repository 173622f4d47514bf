# Benchmarks for the registry area (see bench/CMakeLists.txt).
