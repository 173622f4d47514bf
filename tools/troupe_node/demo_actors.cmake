# troupe-node hosts the demos' actor types (examples/demo_actors.hpp), so the demos can start them
# on any node.
include(${PROJECT_SOURCE_DIR}/examples/demo_actors.cmake)
target_link_libraries(troupe-node PRIVATE troupe_demo_actors)
