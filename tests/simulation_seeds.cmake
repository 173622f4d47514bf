# The simulation's regression seeds and many seeds at once (label scenario: Release suite only).
add_executable(simulation_regression_tests unit/simulation/simulation_regression_test.cpp)
target_link_libraries(simulation_regression_tests PRIVATE troupe_test_support troupe::simulation)
gtest_discover_tests(simulation_regression_tests PROPERTIES LABELS scenario TIMEOUT 120 DISCOVERY_TIMEOUT 60)

# Many seeds, each a whole cluster under faults: 300 seeds of 12 + 10 virtual seconds take
# ~24-29 s in Release on the 2-core CI machine while others build (~10-12 seeds/s); seeds
# 1..300 all pass, with these durations and with the default ones (docs/simulation.md).
add_test(NAME simulation_seeds_keep_every_invariant
         COMMAND troupe-simulate --seeds 300 --faults 12 --quiet 10)
set_tests_properties(simulation_seeds_keep_every_invariant PROPERTIES LABELS scenario TIMEOUT 180)
