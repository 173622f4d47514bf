target_sources(troupe_registry PRIVATE cluster_services.cpp)
target_link_libraries(troupe_registry PUBLIC troupe::cluster)
