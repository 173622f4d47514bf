# The management endpoint: real troupe-node processes with --http against the real troupectl
# (integration), and the live page in headless Chromium (scenario; skipped without chromium).
troupe_add_test_suite(management_tests integration integration/management_endpoint_test.cpp)
target_link_libraries(management_tests PRIVATE troupe::ops)
target_compile_definitions(management_tests PRIVATE
  TROUPE_NODE_BINARY="$<TARGET_FILE:troupe-node>"
  TROUPECTL_BINARY="$<TARGET_FILE:troupectl>")
add_dependencies(management_tests troupe-node troupectl)
