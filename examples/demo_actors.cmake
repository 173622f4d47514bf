# The actor types of the demos (examples/demo_actors.hpp) as a library on the public one alone:
# the demos link it, and troupe-node hosts them (tools/troupe_node/demo_actors.cmake includes this
# file, since troupe-node is built even when the examples are not).
include_guard(GLOBAL)
add_library(troupe_demo_actors ${CMAKE_CURRENT_LIST_DIR}/demo_actors.cpp)
target_include_directories(troupe_demo_actors PUBLIC ${TROUPE_SOURCE_INCLUDE})
target_link_libraries(troupe_demo_actors PUBLIC troupe::registry troupe::cluster)
