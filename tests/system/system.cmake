# System-level checks of the wire protocol: a real node driven by an independent Python client
# (docs/PROTOCOL.md), and regression tests for inputs the fuzzers (fuzz/) found.

add_executable(echo_node ${CMAKE_CURRENT_SOURCE_DIR}/system/echo_node.cpp)
target_include_directories(echo_node PRIVATE ${TROUPE_SOURCE_INCLUDE})
target_link_libraries(echo_node PRIVATE troupe::transport)

troupe_add_test_suite(fuzz_regressions_test unit unit/transport/fuzz_regressions_test.cpp)
target_link_libraries(fuzz_regressions_test PRIVATE troupe::transport)

# The client needs python3-zmq and python3-msgpack, which Debian installs for /usr/bin/python3
# (not for a pyenv or venv python3 earlier on PATH). The test exits 77 (skipped) without them.
find_program(TROUPE_SYSTEM_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
find_program(TROUPE_SYSTEM_PYTHON3 NAMES python3)
if(TROUPE_SYSTEM_PYTHON3)
  add_test(NAME python_client_test
           COMMAND ${TROUPE_SYSTEM_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/system/python_client_test.py
                   $<TARGET_FILE:echo_node>)
  set_tests_properties(python_client_test PROPERTIES LABELS integration TIMEOUT 120 SKIP_RETURN_CODE 77)
else()
  message(STATUS "python3 not found: python_client_test is not registered")
endif()
