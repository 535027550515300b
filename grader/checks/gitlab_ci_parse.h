// A student's .gitlab-ci.yml read with the GitLab semantics that decide what
// a runner executes: which top-level keys are jobs, which job runs, its
// image, and the shell lines of before_script + script in order.
//
// Only what the grader runs is modelled. `include`, `extends` and `!reference`
// are not resolved; they are recorded in CiFile::notes so the message can
// say why a job looks different from what GitLab would run.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ipc::checks {

struct CiJob {
  std::string name;
  std::string where;  // "file:line:col" of the job's key
  // before_script (the job's, else `default:`'s, else the top-level one)
  // then script, nested lists flattened as GitLab does. One entry is one
  // shell command, which may span several lines (a YAML block scalar).
  std::vector<std::string> before_script;
  std::vector<std::string> script;
  // The effective `image` (job, else default:, else top level); "" = none.
  std::string image;
  // Top-level `variables` overridden by the job's, exported to the script.
  std::map<std::string, std::string> variables;

  std::vector<std::string> Lines() const;
};

struct CiFile {
  std::vector<CiJob> jobs;          // visible jobs with a script, file order
  std::vector<std::string> hidden;  // names starting with '.' (templates)
  std::vector<std::string> notes;   // features seen but not modelled
};

// Parses `text` (the contents of `file`). On a YAML error or a structure
// GitLab rejects (a script line that is a mapping, an empty script) returns
// nullopt and sets *err to "file:line:col: message".
std::optional<CiFile> ParseGitlabCi(const std::string& text, const std::string& file,
                                    std::string* err);

// The job to run: `name` when given, else the single visible job with a
// script. Null with *err set (naming the jobs there are) when there is none,
// or several and no name.
const CiJob* SelectJob(const CiFile& ci, const std::string& name, std::string* err);

}  // namespace ipc::checks
