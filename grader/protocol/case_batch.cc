#include "protocol/case_batch.h"

#include <nlohmann/json.hpp>

#include "protocol/base64.h"

namespace ipc::protocol {
namespace {

std::string Abbrev(std::string_view s, std::size_t n) {
  return s.size() <= n ? std::string(s) : std::string(s.substr(0, n)) + "...";
}

// A byte field (base64), or throws.
std::string Bytes(const nlohmann::json& j, const char* key) {
  auto bytes = Base64Decode(j.at(key).get<std::string>());
  if (!bytes) throw ProtocolError(std::string("bad base64 in '") + key + "'");
  return *bytes;
}

ProcessResult FromRecord(const nlohmann::json& j) {
  ProcessResult r;
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
  return r;
}

std::string HowItEnded(const ProcessResult& p) {
  if (!p.started) return "did not start: " + p.error;
  if (p.timed_out) return "timed out";
  if (p.term_signal) return "killed by signal " + std::to_string(*p.term_signal);
  return "exited " + std::to_string(p.exit_code.value_or(-1));
}

}  // namespace

std::string BatchRequest(const std::vector<BatchCase>& cases) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : cases) {
    list.push_back({{"name", c.name},
                    {"stdin", Base64Encode(c.stdin_data)},
                    {"timeout", c.timeout_s},
                    {"cap", c.output_cap}});
  }
  return nlohmann::json{{"cases", list}}.dump() + "\n";
}

std::vector<BatchCase> BatchFromRequest(std::string_view request) {
  try {
    const auto parsed = nlohmann::json::parse(request);
    std::vector<BatchCase> cases;
    for (const auto& j : parsed.at("cases")) {
      BatchCase c;
      c.name = j.at("name").get<std::string>();
      c.stdin_data = Bytes(j, "stdin");
      c.timeout_s = j.at("timeout").get<double>();
      c.output_cap = j.at("cap").get<std::size_t>();
      cases.push_back(std::move(c));
    }
    return cases;
  } catch (const nlohmann::json::exception& e) {
    throw ProtocolError(std::string("not a batch request: ") + e.what());
  }
}

double BatchTimeout(const std::vector<BatchCase>& cases) {
  double total = 10;
  for (const auto& c : cases) total += 2 * c.timeout_s;
  return total;
}

std::size_t BatchOutputCap(const std::vector<BatchCase>& cases) {
  std::size_t total = 0;
  for (const auto& c : cases) total += (2 * c.output_cap + 2) / 3 * 4 + 512;
  return total;
}

std::string BatchRecord(std::size_t i, const ProcessResult& r, std::string_view how) {
  nlohmann::json j{{"i", i},
                   {"how", how},
                   {"started", r.started},
                   {"error", r.error},
                   {"exit", nullptr},
                   {"signal", nullptr},
                   {"timed_out", r.timed_out},
                   {"oom", r.oom_killed},
                   {"out", Base64Encode(r.stdout_data)},
                   {"err", Base64Encode(r.stderr_data)},
                   {"out_bytes", r.stdout_bytes},
                   {"err_bytes", r.stderr_bytes},
                   {"wall", r.wall_s},
                   {"cpu", r.cpu_s}};
  if (r.exit_code) j["exit"] = *r.exit_code;
  if (r.term_signal) j["signal"] = *r.term_signal;
  return std::string(kBatchTag) + j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

std::vector<std::optional<ProcessResult>> BatchResults(const ProcessResult& runner, std::size_t n,
                                                       std::string* why) {
  std::vector<std::optional<ProcessResult>> out(n);
  const std::string& text = runner.stdout_data;
  std::string bad;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (!line.starts_with(kBatchTag)) continue;
    try {
      const auto j = nlohmann::json::parse(line.substr(kBatchTag.size()));
      const auto i = j.at("i").get<std::size_t>();
      if (i >= n) throw ProtocolError("case " + std::to_string(i) + " of " + std::to_string(n));
      out[i] = FromRecord(j);
    } catch (const std::exception& e) {
      if (bad.empty()) bad = "unreadable record (" + std::string(e.what()) + "): " + Abbrev(line, 80);
    }
  }
  std::size_t missing = 0;
  for (const auto& r : out) missing += !r;
  if (missing > 0 && why != nullptr) {
    *why = "the case runner reported " + std::to_string(n - missing) + " of " + std::to_string(n) +
           " cases (" + HowItEnded(runner) + (bad.empty() ? "" : "; " + bad) +
           (runner.stderr_data.empty() ? "" : "; stderr: " + Abbrev(runner.stderr_data, 300)) + ")";
  }
  return out;
}

}  // namespace ipc::protocol
