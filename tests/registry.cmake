# Test suite for the registry area (see tests/CMakeLists.txt).
