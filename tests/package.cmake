# Troupe as a user gets it (label `scenario`, Release suite only): the Debian packages built by
# cpack from this build and installed with apt-get, the template project built against them with
# find_package(Troupe), a mixed cluster of troupe-node and the template's node binary, and the
# template's docker-compose.yml with its offline image. Skipped (77) without root: it installs.
add_test(NAME "The installed packages build the template project, whose nodes form a mixed cluster and a compose cluster that survives a kill"
         COMMAND bash ${PROJECT_SOURCE_DIR}/tests/package/package_test.sh ${CMAKE_BINARY_DIR})
set_tests_properties("The installed packages build the template project, whose nodes form a mixed cluster and a compose cluster that survives a kill"
                     PROPERTIES LABELS scenario TIMEOUT 420 SKIP_RETURN_CODE 77)
