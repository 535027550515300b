#include "checks/gitlab_ci_scan.h"

#include <cstring>

#include "util/strings.h"

namespace ipc::checks {
namespace {

bool IsBlank(char ch) { return ch == ' ' || ch == '\t'; }

// Characters that may stand right before / after a script name for it to
// count as a word of its own: `./test_prog.sh`, `"test_prog.sh"`,
// `test_prog.sh;`, but not `mytest_prog.sh` or `test_prog.sh.bak`.
bool WordBefore(char ch) { return std::strchr(" \t\n/'\"`;&|(=", ch) != nullptr; }
bool WordAfter(char ch) { return std::strchr(" \t\n'\"`;&|)", ch) != nullptr; }

bool ContainsWord(const std::string& text, const std::string& word) {
  if (word.empty()) return false;
  for (std::size_t pos = text.find(word); pos != std::string::npos;
       pos = text.find(word, pos + 1)) {
    const std::size_t end = pos + word.size();
    if ((pos == 0 || WordBefore(text[pos - 1])) && (end == text.size() || WordAfter(text[end]))) {
      return true;
    }
  }
  return false;
}

// `command` without its shell comments. A '#' starts a comment only at the
// start of a word and outside quotes (`echo a#b` and `"#"` are not
// comments); a comment runs to the end of its line.
std::string WithoutShellComments(const std::string& command) {
  std::string out;
  char quote = 0;
  bool in_comment = false;
  for (std::size_t i = 0; i < command.size(); ++i) {
    const char ch = command[i];
    if (in_comment) {
      if (ch == '\n') {
        in_comment = false;
        out += ch;
      }
      continue;
    }
    if (quote != 0) {
      if (ch == '\\' && quote == '"' && i + 1 < command.size()) {
        out += ch;
        out += command[++i];
        continue;
      }
      if (ch == quote) quote = 0;
      out += ch;
      continue;
    }
    if (ch == '\\' && i + 1 < command.size()) {
      out += ch;
      out += command[++i];
      continue;
    }
    if (ch == '\'' || ch == '"') quote = ch;
    if (ch == '#' && (i == 0 || IsBlank(command[i - 1]) || command[i - 1] == '\n')) {
      in_comment = true;
      continue;
    }
    out += ch;
  }
  return out;
}

// The comment part of one raw YAML line: from a '#' at the start of the
// line or after a blank, outside YAML quotes; "" when there is none.
std::string YamlComment(const std::string& line) {
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char ch = line[i];
    if (quote != 0) {
      if (ch == quote) quote = 0;  // '' inside '...' closes and reopens: same effect
      continue;
    }
    if ((ch == '\'' || ch == '"') && (i == 0 || IsBlank(line[i - 1]) || line[i - 1] == '-')) {
      quote = ch;
      continue;
    }
    if (ch == '#' && (i == 0 || IsBlank(line[i - 1]))) return line.substr(i + 1);
  }
  return "";
}

}  // namespace

bool CommandRunsScript(const std::string& command, const std::string& name) {
  return ContainsWord(WithoutShellComments(command), name);
}

std::optional<CommentedOut> FindCommentedOut(const std::string& yaml_text,
                                             const std::string& name) {
  int number = 0;
  std::size_t start = 0;
  while (start <= yaml_text.size()) {
    std::size_t end = yaml_text.find('\n', start);
    if (end == std::string::npos) end = yaml_text.size();
    const std::string line = yaml_text.substr(start, end - start);
    ++number;
    // A '#' inside a block scalar (`- |`) is not a YAML comment, but it is
    // a shell comment in that command, so the same scan covers both.
    if (ContainsWord(YamlComment(line), name)) return CommentedOut{number, Trim(line, " \t\r")};
    start = end + 1;
  }
  return std::nullopt;
}

std::string EchoOf(const std::string& command) { return "$ " + command + "\n"; }

std::optional<std::size_t> LastStartedCommand(const std::string& log,
                                              const std::vector<std::string>& commands) {
  // Commands run in order, so their echoes appear in order: match them one
  // after the other, which output that merely contains "$ make" cannot
  // confuse once the real echo of a later command has been seen.
  std::optional<std::size_t> last;
  std::size_t pos = 0;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    const std::size_t at = log.find(EchoOf(commands[i]), pos);
    if (at == std::string::npos) break;
    last = i;
    pos = at + EchoOf(commands[i]).size();
  }
  return last;
}

}  // namespace ipc::checks
