# The probe protocol's JSON encoding and report framing.
ipc_add_gtest(protocol_test
  SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/protocol_test.cc
  LIBS ipc_protocol
  LABELS unit)
