#include "checks/py_cases.h"

#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "protocol/base64.h"

namespace ipc::checks {
namespace {

constexpr std::string_view kHarness =
#include "py_cases.inc"
    ;

// What the harness writes before each record (TAG in py_cases_harness.py).
constexpr std::string_view kTag = "IPC-CASE ";

std::string Abbrev(const std::string& s, std::size_t n) {
  return s.size() <= n ? s : s.substr(0, n) + "...";
}

// A record's byte field, or throws.
std::string Bytes(const nlohmann::json& j, const char* key) {
  auto bytes = protocol::Base64Decode(j.at(key).get<std::string>());
  if (!bytes) throw std::runtime_error(std::string("bad base64 in '") + key + "'");
  return *bytes;
}

}  // namespace

std::string_view PyCasesHarness() { return kHarness; }

std::optional<std::vector<std::string>> PyCasesArgv(const std::vector<std::string>& program) {
  if (program.size() != 2) return std::nullopt;
  static const std::regex kPython(R"(python(3(\.[0-9]+)?)?)");
  const std::string exe = std::filesystem::path(program[0]).filename().string();
  if (!std::regex_match(exe, kPython) || program[1].empty() || program[1][0] == '-') {
    return std::nullopt;
  }
  return std::vector<std::string>{program[0], "-c", std::string(kHarness), program[1]};
}

bool IsPyCasesRunner(const protocol::ProcessSpec& spec) {
  return spec.argv.size() == 4 && spec.argv[1] == "-c" && spec.argv[2] == kHarness;
}

std::string PyCasesRequest(const std::vector<PyCase>& cases) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : cases) {
    list.push_back({{"name", c.name},
                    {"stdin", protocol::Base64Encode(c.stdin_data)},
                    {"timeout", c.timeout_s},
                    {"cap", c.output_cap}});
  }
  return nlohmann::json{{"cases", list}}.dump() + "\n";
}

std::vector<PyCase> PyCasesFromRequest(const std::string& request) {
  std::vector<PyCase> cases;
  const auto parsed = nlohmann::json::parse(request);
  for (const auto& j : parsed.at("cases")) {
    PyCase c;
    c.name = j.at("name").get<std::string>();
    c.stdin_data = Bytes(j, "stdin");
    c.timeout_s = j.at("timeout").get<double>();
    c.output_cap = j.at("cap").get<std::size_t>();
    cases.push_back(std::move(c));
  }
  return cases;
}

std::string PyCasesRecord(std::size_t i, const protocol::ProcessResult& r) {
  nlohmann::json j{{"i", i},
                   {"how", "in-process"},
                   {"started", r.started},
                   {"error", r.error},
                   {"exit", nullptr},
                   {"signal", nullptr},
                   {"timed_out", r.timed_out},
                   {"oom", r.oom_killed},
                   {"out", protocol::Base64Encode(r.stdout_data)},
                   {"err", protocol::Base64Encode(r.stderr_data)},
                   {"out_bytes", r.stdout_bytes},
                   {"err_bytes", r.stderr_bytes},
                   {"wall", r.wall_s},
                   {"cpu", r.cpu_s}};
  if (r.exit_code) j["exit"] = *r.exit_code;
  if (r.term_signal) j["signal"] = *r.term_signal;
  return std::string(kTag) + j.dump() + "\n";
}

double PyCasesTimeout(const std::vector<PyCase>& cases) {
  double total = 10;  // the interpreter's start and the odd fresh rerun's
  for (const auto& c : cases) total += 2 * c.timeout_s;  // a case may run twice
  return total;
}

std::size_t PyCasesOutputCap(const std::vector<PyCase>& cases) {
  std::size_t total = 0;
  for (const auto& c : cases) total += (2 * c.output_cap + 2) / 3 * 4 + 512;
  return total;
}

std::vector<std::optional<protocol::ProcessResult>> PyCasesResults(
    const protocol::ProcessResult& runner, std::size_t n, std::string* why) {
  std::vector<std::optional<protocol::ProcessResult>> out(n);
  std::size_t start = 0;
  const std::string& text = runner.stdout_data;
  std::string bad;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (line.substr(0, kTag.size()) != kTag) continue;
    try {
      const auto j = nlohmann::json::parse(line.substr(kTag.size()));
      const auto i = j.at("i").get<std::size_t>();
      if (i >= n) throw std::runtime_error(fmt::format("case {} of {}", i, n));
      protocol::ProcessResult r;
      r.started = j.value("started", true);
      r.error = j.value("error", "");
      if (!j.at("exit").is_null()) r.exit_code = j.at("exit").get<int>();
      if (!j.at("signal").is_null()) r.term_signal = j.at("signal").get<int>();
      r.timed_out = j.at("timed_out").get<bool>();
      r.oom_killed = j.value("oom", false);
      r.stdout_data = Bytes(j, "out");
      r.stderr_data = Bytes(j, "err");
      r.stdout_bytes = j.at("out_bytes").get<std::uint64_t>();
      r.stderr_bytes = j.at("err_bytes").get<std::uint64_t>();
      r.wall_s = j.at("wall").get<double>();
      r.cpu_s = j.at("cpu").get<double>();
      out[i] = std::move(r);
    } catch (const std::exception& e) {
      if (bad.empty()) bad = fmt::format("unreadable record ({}): {}", e.what(), Abbrev(std::string(line), 80));
    }
  }
  std::size_t missing = 0;
  for (const auto& r : out) missing += !r;
  if (missing > 0 && why) {
    std::string exit;
    if (!runner.started) exit = "did not start: " + runner.error;
    else if (runner.timed_out) exit = "timed out";
    else if (runner.term_signal) exit = fmt::format("killed by signal {}", *runner.term_signal);
    else exit = fmt::format("exited {}", runner.exit_code.value_or(-1));
    *why = fmt::format("the in-process runner reported {} of {} cases ({}{}{})", n - missing, n,
                       exit, bad.empty() ? "" : "; " + bad,
                       runner.stderr_data.empty() ? "" : "; stderr: " + Abbrev(runner.stderr_data, 300));
  }
  return out;
}

}  // namespace ipc::checks
