# Test suite for the statem area (see tests/CMakeLists.txt).
