# The demos end to end (label `scenario`: whole-cluster runs, Release suite only).
# - examples/cluster_demo.sh, which tools/demo runs: three troupe-node processes on 127.0.0.1,
#   ping-pong, the chat room, and the key-value store that must move with its data when its node
#   is killed. The script checks every step and exits non-zero when one fails.
# - tests/compose/compose_test.sh: the same in docker compose (image built FROM scratch from this
#   build's binaries); skipped (77) where no Docker engine answers.
add_test(NAME "The cluster demo runs ping-pong, a chat room and a key-value store failover on three local nodes"
         COMMAND bash ${PROJECT_SOURCE_DIR}/examples/cluster_demo.sh ${CMAKE_BINARY_DIR})
set_tests_properties("The cluster demo runs ping-pong, a chat room and a key-value store failover on three local nodes"
                     PROPERTIES LABELS scenario TIMEOUT 60 ENVIRONMENT "TROUPE_DEMO_PINGS=500")
add_test(NAME "The docker compose cluster runs the demos, loses the store's container and the store answers by name from a survivor"
         COMMAND bash ${PROJECT_SOURCE_DIR}/tests/compose/compose_test.sh ${CMAKE_BINARY_DIR})
set_tests_properties("The docker compose cluster runs the demos, loses the store's container and the store answers by name from a survivor"
                     PROPERTIES LABELS scenario TIMEOUT 120 SKIP_RETURN_CODE 77)
