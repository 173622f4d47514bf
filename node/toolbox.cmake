# The OTP toolbox, part two: shared tables (node/table/) and demand-driven pipelines
# (node/stage/). Behaviours in behaviour/ are picked up by the glob in CMakeLists.txt.
file(GLOB troupe_toolbox_sources CONFIGURE_DEPENDS
  ${CMAKE_CURRENT_SOURCE_DIR}/table/*.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/stage/*.cpp)
target_sources(troupe_node PRIVATE ${troupe_toolbox_sources})
