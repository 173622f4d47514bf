# Whole-cluster scenarios on network namespaces (tools/netlab, tools/chaos; docs/chaos.md).
# They need root and `ip netns`; without them they exit 77 and ctest reports them skipped.
# Label `scenario`: the Release suite only (the sanitizer presets exclude the label).
find_program(TROUPE_SCENARIO_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
find_program(TROUPE_SCENARIO_PYTHON3 NAMES python3)
if(TROUPE_SCENARIO_PYTHON3)
  set(_netlab_test ${CMAKE_CURRENT_SOURCE_DIR}/scenario/netlab_scenario_test.py)
  add_test(NAME netlab_creates_cuts_heals_kills_and_tears_down_a_three_node_cluster
           COMMAND ${TROUPE_SCENARIO_PYTHON3} ${_netlab_test} ${CMAKE_BINARY_DIR} lab)
  add_test(NAME chaos_smoke_scenario_keeps_every_invariant
           COMMAND ${TROUPE_SCENARIO_PYTHON3} ${_netlab_test} ${CMAKE_BINARY_DIR} smoke)
  set_tests_properties(netlab_creates_cuts_heals_kills_and_tears_down_a_three_node_cluster
                       chaos_smoke_scenario_keeps_every_invariant
                       PROPERTIES LABELS scenario TIMEOUT 90 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
else()
  message(STATUS "python3 not found: the netlab/chaos scenario tests are not registered")
endif()

# Discovery by DNS on container engines (docs/discovery.md). Skipped (77) with a message where no
# Docker engine answers, no compose tool is installed, or `docker swarm init` is not possible.
# - compose --scale: N replicas of one service seeded by its name form a cluster; killing one
#   delays no call between the others (figures printed); scaling up adds members.
# - Swarm: deploy/swarm/troupe-stack.yml, 3 replicas, scaled to 5 and back to 3 (drained), a
#   task killed and its global child moved. Makes a single-node swarm only if the engine is in
#   none, and leaves it after.
add_test(NAME "Compose replicas seeded by their service name form a cluster, lose one without delaying the others, and grow"
         COMMAND bash ${PROJECT_SOURCE_DIR}/tests/compose/compose_scale_test.sh ${CMAKE_BINARY_DIR} 3)
set_tests_properties("Compose replicas seeded by their service name form a cluster, lose one without delaying the others, and grow"
                     PROPERTIES LABELS scenario TIMEOUT 150 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
add_test(NAME "A Swarm stack of 3 replicas found through tasks.troupe scales to 5 and back to 3 and moves a killed task's global child"
         COMMAND bash ${PROJECT_SOURCE_DIR}/tests/scenario/swarm_test.sh ${CMAKE_BINARY_DIR})
set_tests_properties("A Swarm stack of 3 replicas found through tasks.troupe scales to 5 and back to 3 and moves a killed task's global child"
                     PROPERTIES LABELS scenario TIMEOUT 150 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
