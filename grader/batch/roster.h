// The class roster: a CSV file with a header naming at least `student` and
// `repo`, and optionally `ref` (other columns are ignored, so an LMS export
// with extra columns works as is).
//
//   student,repo,ref
//   alice,https://gitlab.example.edu/alice/project.git,
//   bob,/srv/submissions/bob,final v1
//
// RFC 4180 (quoted fields, "" inside quotes, line breaks inside quotes, CRLF
// or LF); a UTF-8 byte-order mark is ignored; blank lines are skipped;
// spaces around an unquoted field are trimmed. `ref` may list several
// candidates separated by spaces, tried in order (empty: the rubric's).
//
// A bad row never stops the batch: it is reported with its line number and
// skipped, and every other row is graded.
//   roster.csv:7: skipped: duplicate student 'alice' (first on line 3)
// Only a file that cannot be read or has no usable header is fatal.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ipc::batch {

struct RosterEntry {
  std::string student;
  std::string repo;
  std::vector<std::string> refs;  // empty: the rubric's
  int line = 0;                   // where the row starts in the file
};

struct Roster {
  std::string path;
  std::vector<RosterEntry> entries;   // in file order
  std::vector<std::string> problems;  // "path:line: skipped: why"
};

// Throws ipc::Fatal("path:line: ...") when there is no header row or it
// lacks `student` or `repo`.
Roster ParseRoster(std::string_view text, const std::string& path);

// Reads the file, then ParseRoster. Throws ipc::Fatal naming the path and
// the errno text when it cannot be read.
Roster LoadRoster(const std::string& path);

}  // namespace ipc::batch
