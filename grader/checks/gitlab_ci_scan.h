// Text-level questions about a CI job that YAML parsing cannot answer:
// does a shell command run a given test script, is the script's line
// commented out (yaml-cpp drops comments, so the raw text is scanned), and
// which command was running when the job stopped (from the log's echoes).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace ipc::checks {

// Whether `command` (one script entry, possibly several lines) runs the
// script `name`: `./test_prog.sh`, `bash test_prog.sh`, `/work/test_prog.sh`...
// The name must stand as a word (after '/', a blank, a quote or an
// operator), outside a shell comment.
bool CommandRunsScript(const std::string& command, const std::string& name);

struct CommentedOut {
  int line = 0;      // 1-based line in the file
  std::string text;  // the whole line, trimmed
};

// The first comment in `yaml_text` (a YAML comment, or a shell comment
// inside a multi-line command) that mentions `name` as a word, e.g.
// `    # - ./test_prog.sh`.
std::optional<CommentedOut> FindCommentedOut(const std::string& yaml_text,
                                             const std::string& name);

// The echo a job prints before running `command`, as a GitLab runner does.
std::string EchoOf(const std::string& command);

// The index of the last of `commands` whose echo appears in `log`, i.e. the
// one running when the job stopped; nullopt when none started.
std::optional<std::size_t> LastStartedCommand(const std::string& log,
                                              const std::vector<std::string>& commands);

}  // namespace ipc::checks
