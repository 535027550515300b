#include "protocol/json_reader.h"

#include <cmath>
#include <limits>

#include "protocol/base64.h"
#include "protocol/probe_protocol.h"

namespace ipc::protocol {
namespace {

[[noreturn]] void FailAt(const std::string& where, const std::string& what) {
  throw ProtocolError(where + ": " + what);
}

}  // namespace

std::string JoinPath(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

JsonReader::JsonReader(const nlohmann::json& j, std::string path, std::string root_name)
    : j_(j), path_(std::move(path)), root_name_(std::move(root_name)) {
  if (!j_.is_object()) FailAt(path_.empty() ? root_name_ : path_, "expected object");
}

std::string JsonReader::Path(const std::string& key) const { return JoinPath(path_, key); }

void JsonReader::Fail(const std::string& key, const std::string& what) const {
  FailAt(key.empty() ? (path_.empty() ? root_name_ : path_) : Path(key), what);
}

const nlohmann::json* JsonReader::Find(const std::string& key) {
  seen_.insert(key);
  auto it = j_.find(key);
  return it == j_.end() ? nullptr : &*it;
}

// Strings in the plan end up as C strings (argv, env, paths): an embedded
// NUL would silently cut them, so it is refused everywhere.
std::string JsonReader::CheckedString(const nlohmann::json& v, const std::string& where) const {
  if (!v.is_string()) FailAt(where, "expected string");
  const auto& s = v.get_ref<const std::string&>();
  if (s.find('\0') != std::string::npos) FailAt(where, "contains a NUL byte");
  return s;
}

std::string JsonReader::String(const std::string& key, const std::optional<std::string>& def) {
  const auto* v = Find(key);
  if (!v) {
    if (!def) Fail(key, "missing");
    return *def;
  }
  return CheckedString(*v, Path(key));
}

std::optional<int> JsonReader::OptInt(const std::string& key) {
  const auto* v = Find(key);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) Fail(key, "expected integer");
  if (v->is_number_unsigned()) {
    if (v->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
      Fail(key, "integer out of range");
    }
    return static_cast<int>(v->get<std::uint64_t>());
  }
  const auto n = v->get<std::int64_t>();
  if (n < std::numeric_limits<int>::min() || n > std::numeric_limits<int>::max()) {
    Fail(key, "integer out of range");
  }
  return static_cast<int>(n);
}

int JsonReader::Int(const std::string& key, const std::optional<int>& def) {
  if (auto v = OptInt(key)) return *v;
  if (!def) Fail(key, "missing");
  return *def;
}

std::uint64_t JsonReader::Unsigned(const std::string& key, std::uint64_t def) {
  const auto* v = Find(key);
  if (!v) return def;
  if (!v->is_number_unsigned()) Fail(key, "expected non-negative integer");
  return v->get<std::uint64_t>();
}

double JsonReader::Number(const std::string& key, double def) {
  const auto* v = Find(key);
  if (!v) return def;
  if (!v->is_number()) Fail(key, "expected number");
  const double d = v->get<double>();
  if (!std::isfinite(d)) Fail(key, "expected a finite number");
  return d;
}

bool JsonReader::Bool(const std::string& key, bool def) {
  const auto* v = Find(key);
  if (!v) return def;
  if (!v->is_boolean()) Fail(key, "expected boolean");
  return v->get<bool>();
}

std::string JsonReader::Bytes(const std::string& key) {
  const auto* v = Find(key);
  if (!v) return "";
  if (!v->is_string()) Fail(key, "expected base64 string");
  std::size_t bad = 0;
  auto bytes = Base64Decode(v->get_ref<const std::string&>(), &bad);
  if (!bytes) Fail(key, "invalid base64 at offset " + std::to_string(bad));
  return *bytes;
}

std::vector<std::string> JsonReader::StringList(const std::string& key, bool required) {
  const auto* v = Find(key);
  if (!v) {
    if (required) Fail(key, "missing");
    return {};
  }
  if (!v->is_array()) Fail(key, "expected array");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v->size(); ++i) {
    out.push_back(CheckedString((*v)[i], Path(key) + "[" + std::to_string(i) + "]"));
  }
  return out;
}

std::vector<int> JsonReader::IntList(const std::string& key) {
  const auto* v = Find(key);
  if (!v) return {};
  if (!v->is_array()) Fail(key, "expected array");
  std::vector<int> out;
  for (std::size_t i = 0; i < v->size(); ++i) {
    const auto& e = (*v)[i];
    const std::string where = Path(key) + "[" + std::to_string(i) + "]";
    if (!e.is_number_integer()) FailAt(where, "expected integer");
    const auto n =
        e.is_number_unsigned()
            ? static_cast<std::int64_t>(std::min<std::uint64_t>(e.get<std::uint64_t>(), 1ull << 40))
            : e.get<std::int64_t>();
    if (n < std::numeric_limits<int>::min() || n > std::numeric_limits<int>::max()) {
      FailAt(where, "integer out of range");
    }
    out.push_back(static_cast<int>(n));
  }
  return out;
}

std::map<std::string, std::string> JsonReader::StringMap(const std::string& key) {
  const auto* v = Find(key);
  if (!v) return {};
  if (!v->is_object()) Fail(key, "expected object");
  std::map<std::string, std::string> out;
  for (const auto& [k, val] : v->items()) {
    out[k] = CheckedString(val, Path(key) + "." + k);
  }
  return out;
}

const nlohmann::json& JsonReader::Array(const std::string& key) {
  const auto* v = Find(key);
  if (!v) Fail(key, "missing");
  if (!v->is_array()) Fail(key, "expected array");
  return *v;
}

void JsonReader::RejectUnknown() const {
  for (const auto& [k, v] : j_.items()) {
    if (!seen_.count(k)) Fail(k, "unknown field");
  }
}

}  // namespace ipc::protocol
