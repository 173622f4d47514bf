# node_app (app/): the checks a node binary makes before it starts anything.
troupe_add_test_suite(app_unit_tests unit unit/app/node_app_test.cpp)
target_link_libraries(app_unit_tests PRIVATE troupe::app)
