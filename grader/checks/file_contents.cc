// file_contents: a file of the repository holds given text.
//   file: notes.txt
//   equals: "Remember the milk."       compared with CRLF read as LF and the
//                                      surrounding whitespace of both removed
//   exact: true                        (with equals) compare the bytes as they are
//   matches: '(^|\n)compile:...'       or: a regex searched in the file (RE2 syntax,
//                                      checks/rubric_regex.h)
// Exactly one of equals / matches. The file must be a regular file (not a
// link) holding valid UTF-8.
#include <fmt/format.h>

#include "checks/rubric_regex.h"
#include "checks/types.h"
#include "report/text.h"
#include "rubric/yaml_scalar.h"

namespace ipc::checks {
namespace {

// The search itself is linear in the file (RE2); the cap keeps what a
// report quotes and what a rubric means by "a text file" small.
constexpr std::size_t kMaxSearchBytes = 64 * 1024;

struct Params {
  std::string file;
  std::optional<std::string> equals;
  bool exact = false;
  std::optional<std::string> matches;
  std::optional<RubricRegex> regex;
};

Params Parse(const rubric::Check& check) {
  auto r = ParamsReader(check);
  Params p;
  p.file = r.RequireString("file");
  if (p.file.empty() || p.file.front() == '/') {
    r.FailValue("file", "'file' must be a path inside the repository, e.g. notes.txt");
  }
  p.equals = r.OptString("equals");
  p.matches = r.OptString("matches");
  const std::optional<bool> exact = r.OptBool("exact");
  r.RejectUnknown();
  if (p.equals && p.matches) r.FailKey("matches", "give either 'equals' or 'matches', not both");
  if (!p.equals && !p.matches) {
    r.Fail(r.node(), "missing 'equals' or 'matches' (the text the file must hold)");
  }
  if (exact && p.matches) r.FailKey("exact", "'exact' applies to 'equals' only");
  p.exact = exact.value_or(false);
  if (p.matches) {
    std::string error;
    p.regex = RubricRegex::Compile(*p.matches, &error);
    if (!p.regex) {
      r.FailValue("matches", "bad regular expression " + rubric::scalar::Quote(*p.matches) + ": " +
                                 error +
                                 " (RE2 syntax; back-references and look-around are not "
                                 "supported)");
    }
  }
  return p;
}

// CRLF read as LF, then surrounding whitespace removed.
std::string Normalize(std::string s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
    out += s[i];
  }
  const char* ws = " \t\n\r\v\f";
  const std::size_t b = out.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return out.substr(b, out.find_last_not_of(ws) - b + 1);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The file's bytes, or why they cannot be judged.
std::optional<std::string> Read(const fetch::Snapshot& snap, const std::string& file,
                                std::string* why) {
  const fetch::TreeEntry* entry = nullptr;
  std::string other_case;
  for (const auto& e : snap.entries) {
    if (e.path == file) {
      entry = &e;
    } else if (Lower(e.path) == Lower(file)) {
      other_case = e.path;
    }
  }
  if (entry == nullptr) {
    *why = file + " is not in the repository at the graded ref" +
           (other_case.empty() ? "" : " (there is " + other_case + ": names are case-sensitive)") +
           "; add it, commit and push";
    return std::nullopt;
  }
  switch (entry->type) {
    case fetch::EntryType::kSymlink:
      *why = file + " is a symbolic link; commit the file itself (the grader never follows links)";
      return std::nullopt;
    case fetch::EntryType::kDir:
      *why = file + " is a folder, not a file";
      return std::nullopt;
    case fetch::EntryType::kSubmodule:
      *why = file + " is a submodule, not a file";
      return std::nullopt;
    case fetch::EntryType::kFile:
    case fetch::EntryType::kExecutable:
      break;
  }
  auto data = snap.ReadFile(file);
  if (!data) {
    *why = fmt::format("{} is {} bytes, more than the grader reads", file, entry->size);
    return std::nullopt;
  }
  const std::string valid = report::ValidUtf8(*data);
  if (valid != *data) {
    std::size_t at = 0;
    while (at < data->size() && at < valid.size() && (*data)[at] == valid[at]) ++at;
    *why =
        fmt::format("{} is not UTF-8 text (invalid byte 0x{:02x} at offset {}); save it as UTF-8",
                    file, static_cast<unsigned char>((*data)[at]), at);
    return std::nullopt;
  }
  return data;
}

// Why `got` differs from `want` in a way that is easy to miss, or "".
std::string Hint(const std::string& want, const std::string& got, bool exact) {
  if (got.rfind("\xEF\xBB\xBF", 0) == 0) return " (the file starts with a UTF-8 byte-order mark)";
  if (exact && Normalize(want) == Normalize(got)) {
    return " (they differ only in line endings or surrounding whitespace)";
  }
  if (Lower(Normalize(want)) == Lower(Normalize(got))) return " (they differ only in letter case)";
  return "";
}

class FileContents : public CheckType {
 public:
  std::string Name() const override { return "file_contents"; }
  void Validate(const rubric::Check& c, const rubric::Rubric&) const override { Parse(c); }

  Outcome Score(const rubric::Check& c, const Evidence& ev) const override {
    const Params p = Parse(c);
    std::string why;
    const auto data = Read(*ev.snapshot, p.file, &why);
    const std::string expected = p.equals ? p.file + " holds \"" + Abbrev(*p.equals) + "\""
                                          : p.file + " matches /" + Abbrev(*p.matches) + "/";
    if (!data) {
      Outcome o = Outcome::Fail(why);
      o.expected = expected;
      o.student = why;
      return o;
    }
    return p.equals ? Equals(p, *data, expected) : Matches(p, *data, expected);
  }

 private:
  static Outcome Equals(const Params& p, const std::string& data, const std::string& expected) {
    const std::string want = p.exact ? *p.equals : Normalize(*p.equals);
    const std::string got = p.exact ? data : Normalize(data);
    Outcome o = want == got ? Outcome::Pass() : Outcome::Fail("");
    o.expected = expected;
    o.student = p.file + " holds \"" + Abbrev(got) + "\"";
    if (want != got) {
      o.message = fmt::format("{} does not hold the expected text: expected \"{}\", got \"{}\"{}.",
                              p.file, Abbrev(want), Abbrev(got), Hint(want, data, p.exact));
    }
    return o;
  }

  static Outcome Matches(const Params& p, const std::string& data, const std::string& expected) {
    Outcome o;
    if (data.size() > kMaxSearchBytes) {
      o = Outcome::Fail(fmt::format("{} is {} bytes, too large to search (limit {} bytes)", p.file,
                                    data.size(), kMaxSearchBytes));
    } else {
      const bool found = p.regex->FoundIn(data);
      o = found ? Outcome::Pass()
                : Outcome::Fail(
                      fmt::format("{} does not contain what the check asks for: no match for the "
                                  "regular expression /{}/ (its start: \"{}\").",
                                  p.file, Abbrev(*p.matches), Abbrev(data, 80)));
    }
    o.expected = expected;
    o.student = p.file + ": \"" + Abbrev(data) + "\"";
    return o;
  }
};

}  // namespace

std::unique_ptr<CheckType> MakeFileContentsType() { return std::make_unique<FileContents>(); }

}  // namespace ipc::checks
