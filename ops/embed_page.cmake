# Writes OUTPUT, a C++ file defining troupe::live_page_html as the text of INPUT (a raw string).
# Run by ops/management.cmake at build time: cmake -DINPUT=... -DOUTPUT=... -P embed_page.cmake
file(READ ${INPUT} content)
string(FIND "${content}" ")troupe_page\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw string's end marker )troupe_page\"")
endif()
file(WRITE ${OUTPUT}.tmp
  "// Generated from ops/live_page.html by ops/embed_page.cmake: do not edit.\n"
  "#include \"troupe/ops/management_routes.hpp\"\n\n"
  "namespace troupe {\n"
  "const std::string_view live_page_html = R\"troupe_page(${content})troupe_page\";\n"
  "}  // namespace troupe\n")
file(RENAME ${OUTPUT}.tmp ${OUTPUT})
