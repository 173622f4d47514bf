# Link faults: the delay/loss hook in the transport (netlab's fallback without netem).
troupe_add_test_suite(link_faults_tests integration integration/link_faults_test.cpp)
target_link_libraries(link_faults_tests PRIVATE troupe::transport)
