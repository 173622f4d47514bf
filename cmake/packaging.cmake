# Debian packages (cpack -G DEB, run by tools/package): two, because they serve two people.
# - troupe: the troupe-node and troupectl binaries, for operators; its dependencies are the
#   shared libraries they link (dpkg-shlibdeps: libzmq5, libsodium23, libspdlog1.10, ...).
# - troupe-dev: headers, static libraries, CMake and pkg-config files, for developers building
#   their own node binaries; it depends on the -dev packages a build against Troupe needs.
# Troupe's libraries are static, so a program built on them needs neither package at run time.
set(CPACK_PACKAGE_NAME troupe)
set(CPACK_PACKAGE_VENDOR "The Troupe authors")
set(CPACK_PACKAGE_CONTACT "Troupe maintainers <troupe@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Erlang/OTP's programming model in C++23 across a cluster")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_FILE_NAME troupe-${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://troupe.invalid/")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME troupe)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION net)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_DEV_PACKAGE_NAME troupe-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "libzmq3-dev, libsodium-dev, libmsgpack-cxx-dev, libboost-dev (>= 1.74), libspdlog-dev, libfmt-dev")
set(CPACK_DEBIAN_DEV_PACKAGE_RECOMMENDS "troupe (= ${PROJECT_VERSION}), cmake (>= 3.25), g++ (>= 4:12), pkg-config")
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION "Troupe node daemon and troupectl\n troupe-node runs one node of a Troupe cluster; troupectl inspects and steers one.")
set(CPACK_COMPONENT_DEV_DESCRIPTION "Troupe C++ library: headers, static libraries, CMake package\n Build your own node binaries hosting your own actor types with find_package(Troupe).")
include(CPack)
