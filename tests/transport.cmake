# Transport: codec units and in-process multi-node tests over real ZeroMQ on 127.0.0.1.
find_package(cppzmq REQUIRED)
troupe_add_test_suite(transport_tests integration
  unit/transport/msgpack_guard_test.cpp
  unit/transport/codec_test.cpp
  unit/transport/handshake_test.cpp
  integration/remote_messaging_test.cpp
  integration/remote_failure_test.cpp
  integration/transport_security_test.cpp
)
target_link_libraries(transport_tests PRIVATE troupe::transport cppzmq)
