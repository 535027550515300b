// The grader's commands. Each is a function over a plain struct of its
// options that returns the exit status; commands.cc builds the command line
// that fills the structs (every command's options, help texts, validators)
// and is the only file that includes CLI11: its header costs about 7 s of
// compile in every file that includes it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cli/options.h"
#include "cli/staff_options.h"

namespace CLI {
class App;
}

namespace ipc::cli {

// Registers every command on `app`; when one is chosen, parsing sets `run`
// to the function that does its work and returns the exit status.
void RegisterCommands(CLI::App* app, std::function<int()>* run);

// The whole `grader` command line. Returns the exit status when parsing
// decides it (--help, --version, a parse error: already printed), otherwise
// nothing, with `run` set to the chosen command.
std::optional<int> ParseCommandLine(int argc, char** argv, std::function<int()>* run);

// grader grade SOURCE (grade_command.cc)
struct GradeOptions {
  CommonOptions common;
  StaffOptions staff;
  std::string source;
  std::vector<std::string> refs;
  std::string student;
  bool force = false;
};
int RunGrade(const GradeOptions& o);

// grader rubric check FILE (rubric_command.cc)
int RunRubricCheck(const std::string& path);

// grader rubric test RUBRIC --roster ROSTER --expected DIR
// (rubric_test_command.cc)
struct RubricTestOptions {
  CommonOptions common;
  std::string rubric;
  std::string roster;
  std::string expected;
  std::string junit;  // default: OUT/junit.xml
  int jobs = 0;
  bool force = false;
};
int RunRubricTest(RubricTestOptions o);

// grader batch --roster FILE (batch_command.cc)
struct BatchCliOptions {
  CommonOptions common;
  StaffOptions staff;
  std::string roster;
  int jobs = 0;  // 0: two per core (see the option's help)
  std::vector<std::string> only;
  bool force = false;
  std::string shard;
};
int RunBatchCommand(const BatchCliOptions& o);

// grader merge DIR... --out DIR (merge_command.cc)
struct MergeOptions {
  std::vector<std::string> inputs;
  std::string out_dir;
};
int RunMerge(const MergeOptions& o);

// grader adjust STUDENT ... / grader adjust --list (adjust_command.cc)
struct AdjustOptions {
  std::string student;
  std::string check, part;
  bool total = false;
  std::optional<double> points, score;
  std::string reason, by;
  std::string out_dir = "results";
  std::string rubric_path;
  StaffOptions staff;
  bool list = false;
};
int RunAdjust(const AdjustOptions& o);

// grader diff DIR_A DIR_B (diff_command.cc)
struct DiffOptions {
  std::string before, after, out;
};
int RunDiff(const DiffOptions& o);

}  // namespace ipc::cli
