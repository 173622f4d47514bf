# The admin process (troupectl's counterpart on every node) and the JSON <-> MessagePack
# conversion operator tools use with it.
find_package(nlohmann_json REQUIRED)
target_sources(troupe_cluster PRIVATE admin.cpp admin_json.cpp admin_metrics.cpp admin_reply_json.cpp)
# Header-only, and in no public header: not a dependency of an installed copy.
target_link_libraries(troupe_cluster PUBLIC $<BUILD_INTERFACE:nlohmann_json::nlohmann_json>)
