# The management endpoint (Boost.Beast HTTP, header-only) and the live cluster page it serves,
# embedded into the library at build time from cluster/live_page.html.
set(TROUPE_LIVE_PAGE_CPP ${CMAKE_CURRENT_BINARY_DIR}/live_page.cpp)
add_custom_command(
  OUTPUT ${TROUPE_LIVE_PAGE_CPP}
  COMMAND ${CMAKE_COMMAND} -DINPUT=${CMAKE_CURRENT_SOURCE_DIR}/live_page.html -DOUTPUT=${TROUPE_LIVE_PAGE_CPP}
          -P ${CMAKE_CURRENT_SOURCE_DIR}/embed_page.cmake
  DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/live_page.html ${CMAKE_CURRENT_SOURCE_DIR}/embed_page.cmake
  COMMENT "Embedding the live cluster page")
target_sources(troupe_cluster PRIVATE admin_caller.cpp management_endpoint.cpp management_routes.cpp
                                      ${TROUPE_LIVE_PAGE_CPP})
