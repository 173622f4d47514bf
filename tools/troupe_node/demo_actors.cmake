# The actor types of the demos (examples/), hosted by every troupe-node; the demos link them too.
add_library(troupe_demo_actors troupe_node/demo_actors.cpp)
target_include_directories(troupe_demo_actors PUBLIC ${TROUPE_SOURCE_INCLUDE})
target_link_libraries(troupe_demo_actors PUBLIC troupe::registry)
target_link_libraries(troupe-node PRIVATE troupe_demo_actors)
