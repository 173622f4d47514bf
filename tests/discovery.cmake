# Seeds given as names (cluster/seed_resolver): the resolver alone, then real nodes joining
# through `tcp://localhost`, `dns:` names whose records change, and a lookup that hangs.
troupe_add_test_suite(seed_resolver_unit_tests unit unit/cluster/seed_resolver_test.cpp)
target_link_libraries(seed_resolver_unit_tests PRIVATE troupe::cluster)
troupe_add_test_suite(seed_discovery_tests integration integration/seed_discovery_test.cpp)
target_link_libraries(seed_discovery_tests PRIVATE troupe::cluster)
troupe_add_test_suite(seed_flags_unit_tests unit unit/app/seed_flags_test.cpp)
target_link_libraries(seed_flags_unit_tests PRIVATE troupe::app)
