#include "batch/roster.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "fetch/fetcher.h"
#include "pipeline/grade.h"
#include "util/error.h"
#include "util/strings.h"

namespace ipc::batch {
namespace {

struct Record {
  int line = 0;  // first line of the record
  std::vector<std::string> fields;
  std::string error;  // malformed: why
};

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// RFC 4180 reader over the whole text. Records keep the line they start
// on, so a quoted field spanning lines does not shift later line numbers.
class CsvReader {
 public:
  explicit CsvReader(std::string_view text) : text_(text) {}

  std::optional<Record> Next() {
    if (pos_ >= text_.size()) return std::nullopt;
    Record rec;
    rec.line = line_;
    std::string field;
    bool quoted = false;  // the current field was quoted
    bool after_quote = false;
    for (;;) {
      if (pos_ >= text_.size()) {
        rec.fields.push_back(quoted ? field : Trim(field, kBlanks));
        return rec;
      }
      const char c = text_[pos_++];
      if (c == '\r' || c == '\n') {
        if (c == '\r' && pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
        ++line_;
        rec.fields.push_back(quoted ? field : Trim(field, kBlanks));
        return rec;
      }
      if (c == ',') {
        rec.fields.push_back(quoted ? field : Trim(field, kBlanks));
        field.clear();
        quoted = after_quote = false;
        continue;
      }
      if (after_quote) {
        if (IsBlank(c)) continue;  // "alice" , ... : spaces after the quote
        if (rec.error.empty()) {
          rec.error =
              fmt::format("text after the closing quote of field {}", rec.fields.size() + 1);
        }
        continue;
      }
      if (c == '"' && Trim(field, kBlanks).empty() && !quoted) {
        if (!ReadQuoted(&field, &rec)) {
          rec.fields.push_back(field);
          return rec;
        }
        quoted = after_quote = true;
        continue;
      }
      field += c;
    }
  }

 private:
  // After an opening quote: up to the closing one. False at end of text.
  bool ReadQuoted(std::string* field, Record* rec) {
    field->clear();
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') {
        if (pos_ < text_.size() && text_[pos_] == '"') {
          *field += '"';
          ++pos_;
          continue;
        }
        return true;
      }
      if (c == '\n') ++line_;
      *field += c;
    }
    rec->error = "a quoted field is not closed before the end of the file";
    return false;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

// An empty line, or one of only commas (spreadsheets export trailing ",,").
bool IsBlankRecord(const Record& r) {
  return r.error.empty() &&
         std::all_of(r.fields.begin(), r.fields.end(), [](const auto& f) { return f.empty(); });
}

std::vector<std::string> SplitRefs(const std::string& text) {
  std::vector<std::string> refs;
  std::istringstream in(text);
  for (std::string ref; in >> ref;) refs.push_back(ref);
  return refs;
}

}  // namespace

Roster ParseRoster(std::string_view text, const std::string& path) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // BOM from spreadsheets
  Roster roster;
  roster.path = path;
  CsvReader reader(text);
  std::optional<Record> header;
  while ((header = reader.Next()) && IsBlankRecord(*header)) {
  }
  if (!header) throw Fatal(path + ": the roster is empty; it needs a header line 'student,repo'");
  if (!header->error.empty())
    throw Fatal(fmt::format("{}:{}: {}", path, header->line, header->error));
  int col_student = -1, col_repo = -1, col_ref = -1;
  for (std::size_t i = 0; i < header->fields.size(); ++i) {
    const std::string name = Lower(header->fields[i]);
    int* col = name == "student" ? &col_student
               : name == "repo"  ? &col_repo
               : name == "ref"   ? &col_ref
                                 : nullptr;
    if (col != nullptr && *col < 0) *col = static_cast<int>(i);
  }
  if (col_student < 0 || col_repo < 0) {
    std::string found;
    for (const auto& f : header->fields) found += (found.empty() ? "'" : ", '") + f + "'";
    throw Fatal(
        fmt::format("{}:{}: the header must name the columns 'student' and 'repo' (found {}); "
                    "the first line of the roster is its header, e.g. 'student,repo,ref'",
                    path, header->line, found));
  }

  std::map<std::string, int> first_line;
  while (auto rec = reader.Next()) {
    if (IsBlankRecord(*rec)) continue;
    const auto skip = [&](const std::string& why) {
      roster.problems.push_back(fmt::format("{}:{}: skipped: {}", path, rec->line, why));
    };
    if (!rec->error.empty()) {
      skip(rec->error);
      continue;
    }
    const auto cell = [&](int col) {
      return col >= 0 && static_cast<std::size_t>(col) < rec->fields.size() ? rec->fields[col]
                                                                            : std::string();
    };
    RosterEntry e;
    e.student = cell(col_student);
    e.repo = cell(col_repo);
    e.refs = SplitRefs(cell(col_ref));
    e.line = rec->line;
    if (e.student.empty()) {
      skip("no student name");
      continue;
    }
    if (std::string why = pipeline::CheckStudentName(e.student); !why.empty()) {
      skip(why);
      continue;
    }
    if (e.repo.empty()) {
      skip(fmt::format("no repo for student '{}'", e.student));
      continue;
    }
    // MirrorPath parses the source exactly as the fetcher will.
    if (fetch::MirrorPath("/", e.repo).empty()) {
      skip(
          fmt::format("cannot parse the repo of '{}' ('{}'): use https://, ssh://, git://, "
                      "file://, host:path or a local path",
                      e.student, fetch::RedactSource(e.repo)));
      continue;
    }
    if (auto [it, added] = first_line.try_emplace(e.student, e.line); !added) {
      skip(fmt::format("duplicate student '{}' (first on line {})", e.student, it->second));
      continue;
    }
    roster.entries.push_back(std::move(e));
  }
  return roster;
}

Roster LoadRoster(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Fatal(fmt::format("cannot read the roster {}: {}", path, std::strerror(errno)));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ParseRoster(ss.str(), path);
}

}  // namespace ipc::batch
