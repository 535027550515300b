// The grader's whole command line: every command's options and flags, help
// texts, defaults and validators, filling the plain option structs of
// commands.h. The only file of grader/cli/ that includes CLI11 (a
// header-only library: about 7 s of compile in every file that includes
// it); the commands themselves are in <command>_command.cc.
#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "cli/commands.h"

namespace ipc::cli {

void AddCommonOptions(CLI::App* cmd, CommonOptions* o) {
  cmd->add_option("--rubric", o->rubric_path,
                  std::string("Rubric YAML (default: ") + kDefaultRubric +
                      ", a symlink to the current assignment's rubric)");
  cmd->add_option("--out", o->out_dir, "Output folder")->capture_default_str();
  cmd->add_option("--image", o->image,
                  "Grading image, instead of the rubric's image and its fallbacks");
  cmd->add_option("--engine", o->engine, "Container engine CLI")
      ->check(CLI::IsMember({"docker", "podman"}))
      ->capture_default_str();
  cmd->add_option("--cache", o->cache_dir,
                  "Folder for the git mirrors and the kept observations (default: "
                  "~/.cache/ipc-grader)");
  cmd->add_option("--cache-max", o->observations_max_bytes,
                  "Most the kept observations may take, e.g. 500M or 8G; beyond it the least "
                  "recently used go first; 0: no bound (default: 2G)")
      ->transform(CLI::AsSizeValue(false));
  cmd->add_option("--token-env", o->token_env,
                  "Environment variable holding the HTTPS token (never pass a token itself)")
      ->capture_default_str();
  cmd->add_option("--ssh-key", o->ssh_key, "Private key for ssh:// sources (default: ssh-agent)");
  cmd->add_flag("--require-userns", o->require_userns,
                "Refuse to grade (exit 2) unless the engine maps container root to an "
                "unprivileged host user (userns-remap or rootless)");
}

void AddStaffOptions(CLI::App* cmd, StaffOptions* o) {
  cmd->add_option("--adjustments", o->adjustments,
                  "Staff's manual adjustments, applied at every grading "
                  "(default: OUT/adjustments.yaml; see grader adjust)");
  cmd->add_option("--extensions", o->extensions,
                  "Per-student deadlines CSV: student,deadline|extra_days,reason "
                  "(default: OUT/extensions.csv)");
}

namespace {

void RegisterGrade(CLI::App* app, std::function<int()>* run) {
  auto o = std::make_shared<GradeOptions>();
  CLI::App* cmd = app->add_subcommand(
      "grade", "Grade one submission (a local path, file://, git://, https:// or ssh:// source)");
  cmd->add_option("SOURCE", o->source, "Repository to grade")->required();
  cmd->add_option("--ref", o->refs,
                  "Ref to grade (tag, branch or commit); repeat for fallbacks. "
                  "Default: the rubric's 'ref' list");
  cmd->add_option("--student", o->student, "Student name (default: from the source)");
  cmd->add_flag("--force", o->force,
                "Observe everything again instead of reusing what an earlier grading of the "
                "same trees observed");
  AddCommonOptions(cmd, &o->common);
  AddStaffOptions(cmd, &o->staff);
  cmd->callback([o, run] { *run = [o] { return RunGrade(*o); }; });
}

void RegisterRubricTest(CLI::App* rubric, std::function<int()>* run) {
  auto o = std::make_shared<RubricTestOptions>();
  o->common.out_dir = "rubric-test";
  CLI::App* cmd = rubric->add_subcommand(
      "test", "Grade known submissions and compare each with DIR/<student>/expected.yaml; "
              "exit 1 on any mismatch (CI for a rubric)");
  cmd->add_option("RUBRIC", o->rubric, "Rubric YAML (or --rubric)");
  cmd->add_option("--roster", o->roster, "Roster CSV of the submissions (student,repo[,ref])")
      ->required();
  cmd->add_option("--expected", o->expected,
                  "Folder holding <student>/expected.yaml for every roster student (e.g. "
                  "fixtures/class for the roster fixtures/make-class.sh writes); an "
                  "expected.yaml no roster student answers is a mismatch too")
      ->required();
  cmd->add_option("--junit", o->junit, "JUnit XML of the comparison (default: OUT/junit.xml)");
  cmd->add_option("-j,--jobs", o->jobs, "Submissions graded in parallel (default: twice the cores)");
  cmd->add_flag("--force", o->force, "Observe everything again instead of reusing observations");
  AddCommonOptions(cmd, &o->common);
  cmd->callback([o, run] { *run = [o] { return RunRubricTest(*o); }; });
}

void RegisterRubric(CLI::App* app, std::function<int()>* run) {
  CLI::App* rubric = app->add_subcommand("rubric", "Work with rubric files");
  rubric->require_subcommand(1);
  RegisterRubricTest(rubric, run);
  auto path = std::make_shared<std::string>();
  CLI::App* check = rubric->add_subcommand("check", "Validate a rubric file and summarise it");
  check->add_option("FILE", *path, "Rubric YAML")->required();
  check->callback([path, run] { *run = [path] { return RunRubricCheck(*path); }; });
}

void RegisterBatch(CLI::App* app, std::function<int()>* run) {
  auto o = std::make_shared<BatchCliOptions>();
  CLI::App* cmd = app->add_subcommand(
      "batch", "Grade a whole class from a roster CSV (student,repo[,ref]); resumable");
  cmd->add_option("--roster", o->roster, "Roster CSV with a header: student,repo[,ref]")
      ->required();
  cmd->add_option("-j,--jobs", o->jobs,
                  "Submissions graded in parallel (default: twice the cores; a grading mostly "
                  "waits)");
  cmd->add_option("--only", o->only,
                  "Regrade only this student (repeatable); the gradebook is still rebuilt "
                  "from every result");
  cmd->add_flag("--force", o->force,
                "Regrade even students whose result is up to date, and observe everything "
                "again instead of reusing kept observations");
  cmd->add_option("--shard", o->shard,
                  "K/N: grade only the students of shard K of N (1-based), for N machines");
  AddCommonOptions(cmd, &o->common);
  AddStaffOptions(cmd, &o->staff);
  cmd->callback([o, run] { *run = [o] { return RunBatchCommand(*o); }; });
}

void RegisterMerge(CLI::App* app, std::function<int()>* run) {
  auto o = std::make_shared<MergeOptions>();
  CLI::App* cmd = app->add_subcommand(
      "merge", "Combine the --out folders of several batch shards into one gradebook");
  cmd->add_option("DIR", o->inputs, "Output folders of `grader batch --shard K/N`")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--out", o->out_dir, "Folder for the merged results")->required();
  cmd->callback([o, run] { *run = [o] { return RunMerge(*o); }; });
}

void RegisterAdjust(CLI::App* app, std::function<int()>* run) {
  auto o = std::make_shared<AdjustOptions>();
  CLI::App* cmd = app->add_subcommand(
      "adjust", "Add a manual adjustment (kept in OUT/adjustments.yaml, applied at every "
                "grading), or --list them");
  cmd->add_option("STUDENT", o->student, "The student (with --list: only theirs)");
  cmd->add_option("--check", o->check, "Adjust this check's score");
  cmd->add_option("--part", o->part, "Adjust this part's score");
  cmd->add_flag("--total", o->total, "Adjust the total score");
  cmd->add_option("--points", o->points, "Points added (negative: removed), e.g. --points -2");
  cmd->add_option("--score", o->score, "A score that replaces the automatic one");
  cmd->add_option("--reason", o->reason, "Why (the student reads it)");
  cmd->add_option("--by", o->by, "Who (default: $USER)");
  cmd->add_option("--out", o->out_dir, "Output folder of the results")->capture_default_str();
  cmd->add_option("--rubric", o->rubric_path,
                  std::string("Rubric the check or part must be in (default: ") + kDefaultRubric +
                      ", a symlink to the current assignment's rubric; with --list: mark "
                      "adjustments it cannot apply)");
  cmd->add_option("--adjustments", o->staff.adjustments,
                  "The adjustments file (default: OUT/adjustments.yaml)");
  cmd->add_flag("--list", o->list, "List the adjustments instead of adding one");
  cmd->callback([o, run] { *run = [o] { return RunAdjust(*o); }; });
}

void RegisterDiff(CLI::App* app, std::function<int()>* run) {
  auto o = std::make_shared<DiffOptions>();
  CLI::App* cmd = app->add_subcommand(
      "diff", "What changed between two result folders: whose total moved, which checks, why");
  cmd->add_option("DIR_A", o->before, "The earlier results")->required();
  cmd->add_option("DIR_B", o->after, "The later results")->required();
  cmd->add_option("--out", o->out, "Also write changes.md and changes.csv here");
  cmd->callback([o, run] { *run = [o] { return RunDiff(*o); }; });
}

}  // namespace

void RegisterCommands(CLI::App* app, std::function<int()>* run) {
  RegisterGrade(app, run);
  RegisterRubric(app, run);
  RegisterBatch(app, run);
  RegisterMerge(app, run);
  RegisterAdjust(app, run);
  RegisterDiff(app, run);
}

std::optional<int> ParseCommandLine(int argc, char** argv, std::function<int()>* run) {
  CLI::App app{
      "ipc-grader: grades the Inter-Process Communication assignment.\n"
      "Fetches each student's repository with libgit2, runs it in a throwaway container\n"
      "beside C++ reference programs, and scores what it saw against a YAML rubric."};
  app.require_subcommand(1);
  app.set_version_flag("--version", GraderVersion());
  RegisterCommands(&app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return std::nullopt;
}

}  // namespace ipc::cli
