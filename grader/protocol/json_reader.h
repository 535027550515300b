// A checked view of one JSON object that knows where it is in the document
// ("steps[3].process"), so every decoding error names the exact field:
//   steps[3].process.timeout_s: expected number
// Fields that are read are remembered; RejectUnknown() then reports the
// first field nobody asked for (a misspelt key is an error, not a default).
// Both sides are built from one tree, so strictness costs no compatibility.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace ipc::protocol {

class JsonReader {
 public:
  // `path` is the location of `j` ("" for the document root, which is then
  // named `root_name` in messages). Throws ProtocolError if not an object.
  JsonReader(const nlohmann::json& j, std::string path, std::string root_name);

  [[noreturn]] void Fail(const std::string& key, const std::string& what) const;
  std::string Path(const std::string& key) const;

  bool Has(const std::string& key) const { return j_.contains(key); }
  const nlohmann::json* Find(const std::string& key);

  std::string String(const std::string& key, const std::optional<std::string>& def);
  int Int(const std::string& key, const std::optional<int>& def);
  std::optional<int> OptInt(const std::string& key);
  std::uint64_t Unsigned(const std::string& key, std::uint64_t def);
  double Number(const std::string& key, double def);
  bool Bool(const std::string& key, bool def);
  // Base64 text decoded to bytes; "" when absent.
  std::string Bytes(const std::string& key);
  std::vector<std::string> StringList(const std::string& key, bool required);
  std::vector<int> IntList(const std::string& key);
  std::map<std::string, std::string> StringMap(const std::string& key);
  // The raw array at `key` (required), for lists of objects.
  const nlohmann::json& Array(const std::string& key);

  void RejectUnknown() const;

 private:
  std::string CheckedString(const nlohmann::json& v, const std::string& where) const;
  const nlohmann::json& j_;
  std::string path_;
  std::string root_name_;
  std::set<std::string> seen_;
};

// "a.b" + "c" -> "a.b.c"; "" + "c" -> "c"; used for element paths too.
std::string JoinPath(const std::string& path, const std::string& key);

}  // namespace ipc::protocol
