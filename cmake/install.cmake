# Installing Troupe as a library: headers under <prefix>/include/troupe/, the static libraries,
# the exported targets (Troupe::troupe for the common case; Troupe::node, ::transport,
# ::cluster, ::registry, ::ops, ::app for finer use), TroupeConfig.cmake + version file, a pkg-config
# file, and the troupe-node and troupectl binaries. Components: `runtime` (the binaries) and
# `dev` (everything a build against Troupe needs); cmake/packaging.cmake makes a Debian package
# of each.
include(CMakePackageConfigHelpers)
include(${CMAKE_CURRENT_LIST_DIR}/public_headers.cmake)

set(TROUPE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Troupe)
set(troupe_libraries troupe_node troupe_transport troupe_cluster troupe_registry troupe_ops troupe_app)
foreach(lib IN LISTS troupe_libraries)
  string(REPLACE "troupe_" "" short ${lib})
  set_target_properties(${lib} PROPERTIES EXPORT_NAME ${short})
endforeach()

install(TARGETS ${troupe_libraries} troupe EXPORT TroupeTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
foreach(header IN LISTS TROUPE_PUBLIC_HEADERS)
  get_filename_component(dir ${header} DIRECTORY)
  install(FILES ${PROJECT_SOURCE_DIR}/${header} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/troupe/${dir} COMPONENT dev)
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/app/troupe.hpp ${TROUPE_BUILD_INCLUDE}/troupe/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/troupe COMPONENT dev)

install(EXPORT TroupeTargets NAMESPACE Troupe:: DESTINATION ${TROUPE_CMAKE_DIR} COMPONENT dev)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/TroupeConfig.cmake.in
  ${PROJECT_BINARY_DIR}/TroupeConfig.cmake INSTALL_DESTINATION ${TROUPE_CMAKE_DIR})
# 0.x: a minor version may break the API, so only the same minor version is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/TroupeConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/TroupeConfig.cmake ${PROJECT_BINARY_DIR}/TroupeConfigVersion.cmake
        DESTINATION ${TROUPE_CMAKE_DIR} COMPONENT dev)

configure_file(${CMAKE_CURRENT_LIST_DIR}/troupe.pc.in ${PROJECT_BINARY_DIR}/troupe.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/troupe.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)

install(TARGETS troupe-node troupectl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
# Wraps any node binary (a user's too) into an image FROM scratch, offline.
install(PROGRAMS ${PROJECT_SOURCE_DIR}/tools/docker/build-image DESTINATION ${CMAKE_INSTALL_BINDIR}
        RENAME troupe-build-image COMPONENT runtime)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_SOURCE_DIR}/CHANGELOG.md ${PROJECT_SOURCE_DIR}/README.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)
