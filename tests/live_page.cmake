# The live page in headless Chromium (scenario: three node processes, a kill, a restart). It
# saves screenshots in the build directory and prints their paths; without Chromium it exits 77.
find_package(nlohmann_json REQUIRED)
add_executable(live_page_tests integration/live_page_test.cpp)
target_include_directories(live_page_tests PRIVATE ${TROUPE_SOURCE_INCLUDE})
target_link_libraries(live_page_tests PRIVATE GTest::gtest nlohmann_json::nlohmann_json)
target_compile_definitions(live_page_tests PRIVATE
  TROUPE_NODE_BINARY="$<TARGET_FILE:troupe-node>"
  TROUPECTL_BINARY="$<TARGET_FILE:troupectl>"
  TROUPE_SCREENSHOT_DIR="${CMAKE_BINARY_DIR}")
add_dependencies(live_page_tests troupe-node troupectl)
add_test(NAME live_page_in_headless_chromium_follows_a_node_killed_and_restarted COMMAND live_page_tests)
set_tests_properties(live_page_in_headless_chromium_follows_a_node_killed_and_restarted
                     PROPERTIES LABELS scenario TIMEOUT 90 SKIP_RETURN_CODE 77)
