# The probe protocol: the JSON encoding of plans and reports, the plan
# rules, the tracer's event log, and report framing.
ipc_add_gtest(protocol_test
  SOURCES
    ${PROJECT_SOURCE_DIR}/tests/unit/protocol_test.cc
    ${PROJECT_SOURCE_DIR}/tests/unit/protocol_plan_rules_test.cc
    ${PROJECT_SOURCE_DIR}/tests/unit/protocol_trace_log_test.cc
  LIBS ipc_protocol
  LABELS unit)
