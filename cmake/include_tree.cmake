# The `<troupe/...>` include tree. Users include `<troupe/node/actor.hpp>`; the modules keep
# their top-level folders (node/, transport/, cluster/, registry/, ops/, app/). In the build tree,
# ${TROUPE_BUILD_INCLUDE}/troupe/<module> is a link to the module's folder, so the library
# compiles with exactly the paths an installed copy has, and no generic name (`node/`,
# `cluster/`) is ever on anyone's include path.
set(TROUPE_BUILD_INCLUDE ${PROJECT_BINARY_DIR}/include)
# Tools, tests, examples and the simulation include their own files as "tools/...",
# "tests/...": they see the source root as well. Never a library target.
set(TROUPE_SOURCE_INCLUDE ${PROJECT_SOURCE_DIR} ${TROUPE_BUILD_INCLUDE})

set(TROUPE_MODULES node transport cluster registry ops app)
file(MAKE_DIRECTORY ${TROUPE_BUILD_INCLUDE}/troupe)
foreach(module IN LISTS TROUPE_MODULES)
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${module} ${TROUPE_BUILD_INCLUDE}/troupe/${module} SYMBOLIC)
endforeach()
file(CREATE_LINK ${PROJECT_SOURCE_DIR}/app/troupe.hpp ${TROUPE_BUILD_INCLUDE}/troupe/troupe.hpp SYMBOLIC)
configure_file(${PROJECT_SOURCE_DIR}/cmake/version.hpp.in ${TROUPE_BUILD_INCLUDE}/troupe/version.hpp @ONLY)

# A library target's include path: the link tree while building, <prefix>/include once installed.
function(troupe_public_includes target)
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${TROUPE_BUILD_INCLUDE}>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
endfunction()
