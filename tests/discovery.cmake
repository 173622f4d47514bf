# Seeds given as names (cluster/seed_resolver): the resolver alone, then real nodes joining
# through `tcp://localhost`, `dns:` names whose records change, and a lookup that hangs.
troupe_add_test_suite(seed_resolver_unit_tests unit unit/cluster/seed_resolver_test.cpp)
target_link_libraries(seed_resolver_unit_tests PRIVATE troupe::ops)
troupe_add_test_suite(seed_discovery_tests integration integration/seed_discovery_test.cpp)
target_link_libraries(seed_discovery_tests PRIVATE troupe::ops)
troupe_add_test_suite(seed_flags_unit_tests unit unit/app/seed_flags_test.cpp)
target_link_libraries(seed_flags_unit_tests PRIVATE troupe::app)
# deploy/kubernetes/ checked offline: the API schemas (kubernetes-validate, strict), how the
# pieces fit (selectors, the dns: seed, /health, the cookie Secret, the preStop drain budget),
# and two pods rehearsed on this machine with the template's configuration (troupe-node and
# troupectl of this build: ready, joined, drained by the preStop command). The rehearsal runs in
# the Release suite; the sanitizer suites check the manifests only.
set(_k8s_rehearsal_build "")
if(TROUPE_SCENARIO_TESTS)
  set(_k8s_rehearsal_build ${CMAKE_BINARY_DIR})
endif()
add_test(NAME "The Kubernetes manifests are valid against the API schemas and agree with each other and with troupe-node"
         COMMAND bash ${PROJECT_SOURCE_DIR}/tests/deploy/kubernetes_manifests_test.sh ${PROJECT_SOURCE_DIR} ${_k8s_rehearsal_build})
set_tests_properties("The Kubernetes manifests are valid against the API schemas and agree with each other and with troupe-node"
                     PROPERTIES LABELS unit TIMEOUT 60 SKIP_RETURN_CODE 77)
