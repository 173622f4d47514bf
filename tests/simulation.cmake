# The deterministic simulation (simulation/, docs/simulation.md). The unit suite (the
# simulated transport and small worlds) also runs under the sanitizers; the seeds run in the
# Release suite only (label scenario).
troupe_add_test_suite(simulation_tests unit
  unit/simulation/simulated_network_test.cpp
  unit/simulation/global_supervisor_simulation_test.cpp
)
target_link_libraries(simulation_tests PRIVATE troupe::simulation)
