# Troupe's own programs (troupe-node, the benchmarks) use jemalloc when it is installed
# (Debian: libjemalloc-dev). A message's payload is often allocated on the sender's thread and
# freed on the receiver's; glibc's malloc serves that pattern badly (perf: malloc and free took
# half of a one-way send of a 64-byte string), jemalloc's thread caches well (local.send_str64
# 6 -> 15 M msgs/s). The libraries never force an allocator on the programs that link them:
# small envelopes recycle through envelope_pool whatever the allocator.
# -DTROUPE_JEMALLOC=OFF keeps the system's malloc; sanitizer builds never link it.
option(TROUPE_JEMALLOC "Link Troupe's own programs with jemalloc when it is installed" ON)
set(TROUPE_JEMALLOC_LIBRARY "")
if(TROUPE_JEMALLOC AND TROUPE_SANITIZER STREQUAL "")
  find_library(TROUPE_JEMALLOC_PATH NAMES jemalloc)
  if(TROUPE_JEMALLOC_PATH)
    set(TROUPE_JEMALLOC_LIBRARY ${TROUPE_JEMALLOC_PATH})
    message(STATUS "Troupe's programs use jemalloc: ${TROUPE_JEMALLOC_PATH}")
  else()
    message(STATUS "jemalloc not found (libjemalloc-dev): Troupe's programs use the system's malloc")
  endif()
endif()

# Links `target` (an executable) with jemalloc if it is in use.
function(troupe_use_fast_malloc target)
  if(TROUPE_JEMALLOC_LIBRARY)
    target_link_libraries(${target} PRIVATE ${TROUPE_JEMALLOC_LIBRARY})
  endif()
endfunction()
