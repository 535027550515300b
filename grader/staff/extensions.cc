#include "staff/extensions.h"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pipeline/grade.h"
#include "rubric/iso8601.h"
#include "util/error.h"
#include "util/strings.h"

namespace ipc::staff {
namespace {

struct Row {
  int line = 0;
  std::vector<std::string> fields;
  std::string error;
};

// RFC 4180 (quoted fields, "" inside quotes, CRLF or LF), as the roster.
std::vector<Row> ReadCsv(std::string_view text) {
  std::vector<Row> rows;
  std::size_t pos = 0;
  int line = 1;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;
  while (pos < text.size()) {
    Row row;
    row.line = line;
    std::string field;
    bool quoted = false;
    for (;;) {
      if (pos >= text.size()) {
        row.fields.push_back(quoted ? field : Trim(field, kBlanks));
        break;
      }
      const char c = text[pos++];
      if (c == '\r' || c == '\n') {
        if (c == '\r' && pos < text.size() && text[pos] == '\n') ++pos;
        ++line;
        row.fields.push_back(quoted ? field : Trim(field, kBlanks));
        break;
      }
      if (c == ',') {
        row.fields.push_back(quoted ? field : Trim(field, kBlanks));
        field.clear();
        quoted = false;
        continue;
      }
      if (c == '"' && Trim(field, kBlanks).empty() && !quoted) {
        field.clear();
        bool closed = false;
        while (pos < text.size()) {
          const char q = text[pos++];
          if (q == '"') {
            if (pos < text.size() && text[pos] == '"') {
              field += '"';
              ++pos;
              continue;
            }
            closed = true;
            break;
          }
          if (q == '\n') ++line;
          field += q;
        }
        if (!closed) row.error = "a quoted field is not closed before the end of the file";
        quoted = true;
        continue;
      }
      if (quoted) {
        if (c != ' ' && c != '\t' && row.error.empty()) row.error = "text after a closing quote";
        continue;
      }
      field += c;
    }
    bool blank = row.error.empty();
    for (const auto& f : row.fields) blank = blank && f.empty();
    if (!blank) rows.push_back(std::move(row));
  }
  return rows;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string FormatUtc(std::int64_t t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

ExtensionFile ParseExtensions(std::string_view text, const std::string& path) {
  ExtensionFile f;
  f.path = path;
  const std::vector<Row> rows = ReadCsv(text);
  if (rows.empty()) return f;
  int c_student = -1, c_deadline = -1, c_days = -1, c_reason = -1;
  for (std::size_t i = 0; i < rows[0].fields.size(); ++i) {
    const std::string h = Lower(rows[0].fields[i]);
    const int col = static_cast<int>(i);
    if (h == "student") c_student = col;
    if (h == "deadline") c_deadline = col;
    if (h == "extra_days") c_days = col;
    if (h == "reason") c_reason = col;
  }
  if (c_student < 0 || (c_deadline < 0 && c_days < 0)) {
    throw Fatal(fmt::format("{}:{}: the header must name 'student' and 'deadline' or "
                            "'extra_days' (e.g. student,deadline,extra_days,reason)",
                            path, rows[0].line));
  }
  std::map<std::string, int> first_line;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const Row& row = rows[r];
    auto cell = [&](int col) {
      return col >= 0 && col < static_cast<int>(row.fields.size()) ? row.fields[col]
                                                                    : std::string();
    };
    auto skip = [&](const std::string& why) {
      f.problems.push_back(fmt::format("{}:{}: skipped: {}", path, row.line, why));
    };
    if (!row.error.empty()) {
      skip(row.error);
      continue;
    }
    Extension e;
    e.line = row.line;
    e.student = cell(c_student);
    e.reason = cell(c_reason);
    const std::string deadline = cell(c_deadline);
    const std::string days = cell(c_days);
    if (std::string why = pipeline::CheckStudentName(e.student); !why.empty()) {
      skip(why);
      continue;
    }
    if (deadline.empty() == days.empty()) {
      skip("give exactly one of 'deadline' (ISO 8601, e.g. 2026-12-20T23:59:00Z) or "
           "'extra_days'");
      continue;
    }
    if (!deadline.empty()) {
      std::string why;
      e.deadline = rubric::ParseIsoDateTime(deadline, &why);
      if (!e.deadline) {
        skip(fmt::format("deadline '{}': {}", deadline, why));
        continue;
      }
    } else {
      char* end = nullptr;
      e.extra_days = std::strtod(days.c_str(), &end);
      if (end == days.c_str() || *end != '\0' || !std::isfinite(e.extra_days) ||
          e.extra_days <= 0) {
        skip(fmt::format("extra_days '{}' is not a positive number of days", days));
        continue;
      }
    }
    if (auto it = first_line.find(e.student); it != first_line.end()) {
      skip(fmt::format("duplicate student '{}' (first on line {})", e.student, it->second));
      continue;
    }
    first_line[e.student] = row.line;
    f.by_student[e.student] = std::move(e);
  }
  return f;
}

ExtensionFile LoadExtensions(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path)) {
      ExtensionFile f;
      f.path = path;
      return f;
    }
    throw Fatal(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ParseExtensions(ss.str(), path);
}

std::optional<std::int64_t> ExtendedDeadline(const Extension& e,
                                             const rubric::LatePolicy& policy) {
  if (e.deadline) return e.deadline;
  if (!policy.deadline) return std::nullopt;
  return *policy.deadline + static_cast<std::int64_t>(std::llround(e.extra_days * 86400.0));
}

}  // namespace ipc::staff
