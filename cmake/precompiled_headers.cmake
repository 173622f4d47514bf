# Precompiled headers, shared across targets.
#
# A translation unit of this project spends about a third of its time parsing the same headers
# (the standard library, msgpack, the runtime's core, GoogleTest in the tests): ping_pong.cpp alone
# parses for 9.5 s of its 32 s (-ftime-report). Two headers are precompiled once per build — one
# for the libraries, tools, benchmarks and examples, one for the test suites (it adds GoogleTest) —
# and every target that links the runtime reuses one of them (REUSE_FROM), so no target pays for a
# precompiled header of its own.
#
# GCC uses a precompiled header only when the flags match (the preset's optimisation and sanitizer
# flags are the same for every target; the per-target -D paths such as TROUPE_NODE_BINARY do not
# appear in these headers). Where it does not match, GCC parses the header text instead: slower,
# never wrong; -Winvalid-pch says when that happens. Every public header still compiles on its own
# (the package test compiles each installed header alone), so nothing comes to rely on the PCH.
option(TROUPE_PRECOMPILED_HEADERS "Precompile the common headers once and share them across targets" ON)

set(troupe_pch_common
  <algorithm> <atomic> <chrono> <functional> <map> <memory> <mutex> <optional> <set> <string>
  <thread> <unordered_map> <vector> <msgpack.hpp>
  <troupe/node/actor_system.hpp> <troupe/node/log.hpp> <troupe/node/behaviour/gen_server.hpp>)

# Every buildsystem target of `dir` and the directories below it.
function(troupe_collect_targets dir out)
  get_property(targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    troupe_collect_targets("${sub}" sub_targets)
    list(APPEND targets ${sub_targets})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

# Call once, after every target is defined.
function(troupe_share_precompiled_headers)
  if(NOT TROUPE_PRECOMPILED_HEADERS OR NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU" OR TROUPE_BUILD_FUZZERS)
    return()
  endif()
  set(anchor "${CMAKE_BINARY_DIR}/troupe_pch_anchor.cpp")
  file(CONFIGURE OUTPUT "${anchor}" CONTENT "// compiles the shared precompiled header\n")

  # The runtime's usage requirements, without depending on it (troupe_node reuses this header).
  add_library(troupe_pch_usage INTERFACE)
  target_include_directories(troupe_pch_usage INTERFACE ${TROUPE_BUILD_INCLUDE})
  target_compile_definitions(troupe_pch_usage INTERFACE
    $<TARGET_PROPERTY:troupe_node,INTERFACE_COMPILE_DEFINITIONS>)
  target_link_libraries(troupe_pch_usage INTERFACE msgpackc-cxx Boost::headers spdlog::spdlog fmt::fmt Threads::Threads)

  add_library(troupe_pch STATIC "${anchor}")
  target_link_libraries(troupe_pch PRIVATE troupe_pch_usage)
  target_precompile_headers(troupe_pch PRIVATE ${troupe_pch_common})
  set_target_properties(troupe_pch PROPERTIES UNITY_BUILD OFF)
  target_compile_options(troupe_pch PRIVATE -Winvalid-pch)
  if(TARGET troupe_test_support)
    add_library(troupe_pch_tests STATIC "${anchor}")
    target_link_libraries(troupe_pch_tests PRIVATE troupe_pch_usage GTest::gtest)
    target_precompile_headers(troupe_pch_tests PRIVATE ${troupe_pch_common} <gtest/gtest.h>)
    set_target_properties(troupe_pch_tests PROPERTIES UNITY_BUILD OFF)
    target_compile_options(troupe_pch_tests PRIVATE -Winvalid-pch ${TROUPE_TEST_OPTIMIZATION})
  endif()

  troupe_collect_targets("${PROJECT_SOURCE_DIR}" targets)
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    if(NOT type MATCHES "^(STATIC_LIBRARY|EXECUTABLE)$" OR t MATCHES "^troupe_pch")
      continue()
    endif()
    get_target_property(links ${t} LINK_LIBRARIES)
    if(NOT links)
      set(links "")
    endif()
    target_compile_options(${t} PRIVATE -Winvalid-pch)
    if(TARGET troupe_pch_tests AND "troupe_test_support" IN_LIST links)
      target_precompile_headers(${t} REUSE_FROM troupe_pch_tests)
    elseif(t STREQUAL "troupe_node" OR links MATCHES "troupe")
      # Only what links the runtime has the include paths and definitions the header needs.
      target_precompile_headers(${t} REUSE_FROM troupe_pch)
    endif()
  endforeach()
endfunction()
