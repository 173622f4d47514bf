# Test suite for the supervision area (see tests/CMakeLists.txt).
