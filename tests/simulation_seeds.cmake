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

# The same with one more node joining at 5 s, seeded with the first node only (--join-at): the
# join rule and a joiner's fresh time under faults. Seeds 1..50 pass; of 300, 159 fails
# outside the global supervisor (docs/simulation.md, "Joins").
add_test(NAME simulation_seeds_with_a_join_keep_every_invariant
         COMMAND troupe-simulate --seeds 50 --faults 12 --quiet 10 --join-at 5)
set_tests_properties(simulation_seeds_with_a_join_keep_every_invariant PROPERTIES LABELS scenario TIMEOUT 120)
