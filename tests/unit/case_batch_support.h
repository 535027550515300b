// Test helper: run a case runner (protocol/case_batch.h: the Python runner,
// `ref-cat --cases`) on inputs and give back each case's result.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <string>
#include <vector>

#include "protocol/case_batch.h"
#include "reference_process.h"

namespace ipc::testing {

// `options` names the runner (argv, env, cwd); its stdin is the request.
inline std::vector<protocol::ProcessResult> RunCaseBatch(reftest::SpawnOptions options,
                                                         const std::vector<std::string>& inputs,
                                                         double timeout_s, std::size_t cap) {
  std::vector<protocol::BatchCase> cases;
  for (const auto& in : inputs) cases.push_back({"c", in, timeout_s, cap});
  options.stdin_data = protocol::BatchRequest(cases);
  const reftest::Outcome o = reftest::Child::Start(options).Finish();
  EXPECT_TRUE(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0) << o.Describe() << o.err;
  protocol::ProcessResult runner;
  runner.started = true;
  runner.exit_code = 0;
  runner.stdout_data = o.out;
  std::string why;
  std::vector<protocol::ProcessResult> out;
  for (auto& r : protocol::BatchResults(runner, inputs.size(), &why)) {
    EXPECT_TRUE(r.has_value()) << why;
    out.push_back(r.value_or(protocol::ProcessResult{}));
  }
  return out;
}

}  // namespace ipc::testing
