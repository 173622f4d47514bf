# Transport: codec units and in-process multi-node tests over real ZeroMQ on 127.0.0.1.
find_package(cppzmq REQUIRED)
troupe_add_test_suite(transport_tests integration
  unit/transport/msgpack_guard_test.cpp
  unit/transport/codec_test.cpp
  unit/transport/handshake_test.cpp
  integration/remote_messaging_test.cpp
  integration/remote_failure_test.cpp
  integration/transport_security_test.cpp
  integration/unhandled_call_test.cpp
  integration/remote_name_monitor_test.cpp
  integration/gen_server_multi_call_test.cpp
)
target_link_libraries(transport_tests PRIVATE troupe::transport cppzmq)

# Multi-process: real troupe-node processes, killed and paused.
troupe_add_test_suite(multiprocess_tests integration integration/multiprocess_test.cpp)
target_link_libraries(multiprocess_tests PRIVATE troupe::ops troupe_builtin_actors)
target_compile_definitions(multiprocess_tests PRIVATE TROUPE_NODE_BINARY="$<TARGET_FILE:troupe-node>")
add_dependencies(multiprocess_tests troupe-node)

# One name, one node: a duplicate troupe-node is refused, the cluster does not flap.
troupe_add_test_suite(duplicate_name_tests integration
  integration/duplicate_name_test.cpp
  ${PROJECT_SOURCE_DIR}/tools/troupectl/admin_client.cpp
)
target_link_libraries(duplicate_name_tests PRIVATE troupe::ops troupe_builtin_actors)
target_compile_definitions(duplicate_name_tests PRIVATE TROUPE_NODE_BINARY="$<TARGET_FILE:troupe-node>")
add_dependencies(duplicate_name_tests troupe-node)

# Membership: five nodes in one process, partitions by fault injection.
troupe_add_test_suite(membership_tests integration integration/membership_test.cpp)
target_link_libraries(membership_tests PRIVATE troupe::ops)

# Five troupe-node processes and an observer: SIGKILL, SIGSTOP/SIGCONT.
troupe_add_test_suite(cluster_processes_tests integration integration/cluster_processes_test.cpp)
target_link_libraries(cluster_processes_tests PRIVATE troupe::ops)
target_compile_definitions(cluster_processes_tests PRIVATE TROUPE_NODE_BINARY="$<TARGET_FILE:troupe-node>")
add_dependencies(cluster_processes_tests troupe-node)

# Flow control: a blast at a slow sink in another OS process (blast_node), and the same blast
# at a node stopped or killed mid-way.
add_executable(blast_node integration/blast_node.cpp)
target_link_libraries(blast_node PRIVATE troupe::transport)
target_include_directories(blast_node PRIVATE ${TROUPE_SOURCE_INCLUDE})
troupe_add_test_suite(flow_control_tests integration integration/flow_control_test.cpp)
target_link_libraries(flow_control_tests PRIVATE troupe::transport)
target_compile_definitions(flow_control_tests PRIVATE BLAST_NODE_BINARY="$<TARGET_FILE:blast_node>")
add_dependencies(flow_control_tests blast_node)
