// The rubric loader and NodeReader. YAML is inline; errors are compared as
// exact text, line:col included, because the location is the product.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>
#include <utility>

#include <gtest/gtest.h>

#include "rubric_text.h"
#include "rubric/iso8601.h"
#include "rubric/rubric.h"
#include "rubric/yaml_reader.h"
#include "util/sha256.h"

namespace ipc::rubric {
namespace {

constexpr const char* kFile = "rubrics/x.yaml";

// Raw strings in this file open with a newline so the YAML starts on its
// own line in the source; drop it so the first YAML line is line 1.
std::string Yaml(const char* text) {
  std::string s = text;
  if (!s.empty() && s[0] == '\n') s.erase(0, 1);
  return s;
}

// The error ParseRubric throws for `text`, or a marker when it throws none.
std::string ErrorOf(const std::string& text) {
  try {
    ipc::testing::ParseTestRubric(Yaml(text.c_str()), kFile);
  } catch (const RubricError& e) {
    return e.what();
  }
  return "<no error>";
}

// The same, for the text exactly as given (no keys added).
std::string ErrorOfRaw(const std::string& text) {
  try {
    rubric::ParseRubric(text, kFile);
  } catch (const RubricError& e) {
    return e.what();
  }
  return "<no error>";
}

// Completes a rubric whose keys before `parts` are being tested.
constexpr const char* kTail =
    "parts:\n  - {id: p, title: P, points: 0}\nchecks:\n  - {id: a, part: p, title: A, type: command}\n";

// The error `fn` throws when run over a NodeReader for `text`.
template <typename Fn>
std::string ReaderError(const char* text, Fn fn) {
  try {
    NodeReader r(YAML::Load(Yaml(text)), kFile, "check 'build'");
    fn(r);
  } catch (const RubricError& e) {
    return e.what();
  }
  return "<no error>";
}

constexpr const char* kMinimal = R"(
assignment: ipc-project
ref: final
parts:
  - {id: part1, title: Part 1, points: 5}
checks:
  - id: build
    part: part1
    title: It builds
    type: command
    points: 5
    cmd: make
)";

// ---- Whole rubrics that load --------------------------------------------

// The engine has no default image or workdir: a rubric states both.
TEST(RubricErrors, ImageAndWorkdirAreRequired) {
  const std::string text = Yaml(kMinimal);
  EXPECT_EQ(ErrorOfRaw(text), "rubrics/x.yaml:1:1: rubric: missing required key 'image'");
  EXPECT_EQ(ErrorOfRaw("image: debian:stable\n" + text),
            "rubrics/x.yaml:1:1: rubric: missing required key 'workdir'");
}

TEST(RubricLoad, MinimalRubricGetsDefaults) {
  const std::string text = ipc::testing::WithEngineKeys(Yaml(kMinimal));
  const Rubric r = rubric::ParseRubric(text, kFile);
  EXPECT_EQ(r.path, kFile);
  EXPECT_EQ(r.sha256, ipc::Sha256Hex(text));
  EXPECT_EQ(r.assignment, "ipc-project");
  EXPECT_EQ(r.title, "");
  EXPECT_EQ(r.image, "python:latest");
  EXPECT_TRUE(r.image_fallbacks.empty());
  EXPECT_EQ(r.workdir, "/root");
  EXPECT_EQ(r.refs, std::vector<std::string>{"final"});
  EXPECT_EQ(r.limits.memory_mb, 1024u);
  EXPECT_EQ(r.limits.pids, 256);
  EXPECT_FALSE(r.late.deadline.has_value());
  ASSERT_EQ(r.parts.size(), 1u);
  EXPECT_EQ(r.parts[0].where.ToString(), "rubrics/x.yaml:4:5");
  ASSERT_EQ(r.checks.size(), 1u);
  const Check& c = r.checks[0];
  EXPECT_EQ(c.id, "build");
  EXPECT_EQ(c.part, "part1");
  EXPECT_EQ(c.title, "It builds");
  EXPECT_EQ(c.type, "command");
  EXPECT_EQ(c.points, 5);
  EXPECT_TRUE(c.needs.empty());
  EXPECT_EQ(c.visibility, Visibility::kVisible);
  EXPECT_FALSE(c.timeout_s.has_value());
  EXPECT_EQ(c.ref, "");
  EXPECT_EQ(c.where.ToString(), "rubrics/x.yaml:6:5");
  EXPECT_EQ(r.MaxScore(), 5);
}

TEST(RubricLoad, EveryKeyIsDecoded) {
  const Rubric r = ipc::testing::ParseTestRubric(Yaml(R"(
assignment: ipc-project
title: Inter-Process Communication
image: python:3.12
image_fallbacks: [ipc-grader/python:bookworm, python:3.11]
workdir: /work
ref: [final, submission, main]
limits: {memory_mb: 512, pids: 64, cpus: 0.5, wall_s: 90}
late:
  deadline: 2026-10-31T23:59:00-04:00
  time_source: commit
  penalty_per_day: 0.1
  max_penalty: 0.5
  grace_minutes: 15
parts:
  - {id: setup, title: Setup, points: 5}
  - {id: part1, title: Part 1, points: 2.5}
checks:
  - id: run
    part: part1
    title: Runs
    type: command
    points: 2.5
    needs: build
    visibility: after_due_date
    timeout: 30
    ref: part1
  - id: build
    part: setup
    title: Builds
    type: command
    points: 5
  - id: insight
    part: setup
    title: An insight
    type: command
    needs: [build, run]
    visibility: hidden
)"),
                                 kFile);
  EXPECT_EQ(r.title, "Inter-Process Communication");
  EXPECT_EQ(r.image, "python:3.12");
  EXPECT_EQ(r.image_fallbacks,
            (std::vector<std::string>{"ipc-grader/python:bookworm", "python:3.11"}));
  EXPECT_EQ(r.workdir, "/work");
  EXPECT_EQ(r.refs, (std::vector<std::string>{"final", "submission", "main"}));
  EXPECT_EQ(r.limits.memory_mb, 512u);
  EXPECT_EQ(r.limits.pids, 64);
  EXPECT_EQ(r.limits.cpus, 0.5);
  EXPECT_EQ(r.limits.wall_s, 90);
  // Independently: date -u -d '2026-10-31T23:59:00-04:00' +%s
  EXPECT_EQ(r.late.deadline, 1793505540);
  EXPECT_EQ(r.late.deadline_text, "2026-10-31T23:59:00-04:00");
  EXPECT_EQ(r.late.time_source, "commit");
  EXPECT_EQ(r.late.penalty_per_day, 0.1);
  EXPECT_EQ(r.late.max_penalty, 0.5);
  EXPECT_EQ(r.late.grace_minutes, 15);
  ASSERT_EQ(r.checks.size(), 3u);
  EXPECT_EQ(r.checks[0].needs, std::vector<std::string>{"build"});  // forward reference
  EXPECT_EQ(r.checks[0].visibility, Visibility::kAfterDueDate);
  EXPECT_EQ(r.checks[0].timeout_s, 30);
  EXPECT_EQ(r.checks[0].ref, "part1");
  EXPECT_EQ(r.checks[2].points, 0);  // an insight
  EXPECT_EQ(r.checks[2].needs, (std::vector<std::string>{"build", "run"}));
  EXPECT_EQ(r.checks[2].visibility, Visibility::kHidden);
  EXPECT_EQ(r.MaxScore(), 7.5);
  ASSERT_NE(r.FindPart("part1"), nullptr);
  EXPECT_EQ(r.FindPart("part1")->points, 2.5);
  EXPECT_EQ(r.FindPart("part2"), nullptr);
  ASSERT_NE(r.FindCheck("build"), nullptr);
  EXPECT_EQ(r.FindCheck("build")->part, "setup");
  EXPECT_EQ(r.FindCheck("nope"), nullptr);
}

TEST(RubricLoad, TextDataFilesProgramsMutantsAndQuotesAreKept) {
  const Rubric r = ipc::testing::ParseTestRubric(Yaml(R"(
assignment: ipc-project
text: [variant.txt, ipc-project.txt]
ref: final
data_files:
  - {path: secret.txt, content: "Hey! This is a secret!"}
  - {path: litterbox/treasure.txt, content: "Treasure found!"}
programs:
  listener: {kind: signal_listener}
mutants:
  - {name: m, program: listener}
parts:
  - {id: part1, title: Part 1, points: 0}
checks:
  - {id: a, part: part1, title: A, type: command, quote: "One sentence."}
  - {id: b, part: part1, title: B, type: command, quote: ["First.", "Second."]}
  - {id: c, part: part1, title: C, type: command}
)"),
                               kFile);
  EXPECT_EQ(r.text_paths, (std::vector<std::string>{"variant.txt", "ipc-project.txt"}));
  ASSERT_EQ(r.data_files.size(), 2u);
  EXPECT_EQ(r.data_files[0].path, "secret.txt");
  EXPECT_EQ(r.data_files[0].content, "Hey! This is a secret!");
  EXPECT_EQ(r.data_files[0].where.ToString(), "rubrics/x.yaml:5:5");
  EXPECT_EQ(r.data_files[1].path, "litterbox/treasure.txt");
  EXPECT_EQ(r.data_files[1].content, "Treasure found!");
  // Kept as nodes, marks and all, for reference/oracle_yaml.h to decode.
  ASSERT_TRUE(r.programs.IsMap());
  EXPECT_EQ(r.programs["listener"]["kind"].Scalar(), "signal_listener");
  EXPECT_EQ(r.programs["listener"].Mark().line + 1, 8);
  ASSERT_TRUE(r.mutants.IsSequence());
  EXPECT_EQ(r.mutants[0]["name"].Scalar(), "m");
  EXPECT_EQ(r.checks[0].quotes, std::vector<std::string>{"One sentence."});
  EXPECT_EQ(r.checks[1].quotes, (std::vector<std::string>{"First.", "Second."}));
  EXPECT_TRUE(r.checks[2].quotes.empty());
  // A common key: never among the type's own.
  EXPECT_FALSE(r.checks[0].params["quote"]);
}

TEST(RubricLoad, WithoutTheNewSectionsNothingIsKept) {
  const Rubric r = ipc::testing::ParseTestRubric(Yaml(kMinimal), kFile);
  EXPECT_TRUE(r.text_paths.empty());
  EXPECT_TRUE(r.data_files.empty());
  EXPECT_FALSE(r.programs);
  EXPECT_FALSE(r.mutants);
  EXPECT_TRUE(r.part_tags.empty());
}

TEST(RubricLoad, NewestTagExceptBecomesOneRuleCandidateThenTheFallbacks) {
  const auto refs_of = [](const char* ref) {
    const Rubric r = ipc::testing::ParseTestRubric(std::string("assignment: x\nref: ") + ref +
                                     "\n" + kTail,
                                 kFile);
    return std::make_pair(r.refs, r.part_tags);
  };
  // The default fallback is the default branch.
  auto [refs, parts] = refs_of("{newest_tag_except: [part1]}");
  EXPECT_EQ(refs, (std::vector<std::string>{"newest-tag-except:part1", "HEAD"}));
  EXPECT_EQ(parts, std::vector<std::string>{"part1"});
  std::tie(refs, parts) = refs_of("{newest_tag_except: [part1, part2], fallback: [main, HEAD]}");
  EXPECT_EQ(refs, (std::vector<std::string>{"newest-tag-except:part1,part2", "main", "HEAD"}));
  EXPECT_EQ(parts, (std::vector<std::string>{"part1", "part2"}));
  // A list of candidates names no part tags.
  std::tie(refs, parts) = refs_of("[final, main]");
  EXPECT_EQ(refs, (std::vector<std::string>{"final", "main"}));
  EXPECT_TRUE(parts.empty());
}

TEST(RubricLoad, TheRepositorysRubricsLoad) {
  // The three rubrics of rubrics/ (their checks are validated by the
  // checks' own tests; here, the loader's part of them).
  const std::string dir = IPC_RUBRIC_TEST_SOURCE_DIR "/rubrics/";
  for (const char* name : {"ipc-project", "ipc-variant-sigusr2", "ipc-variant-dog"}) {
    SCOPED_TRACE(name);
    const Rubric r = LoadRubric(dir + name + ".yaml");
    EXPECT_EQ(r.refs, (std::vector<std::string>{"newest-tag-except:part1", "HEAD"}));
    EXPECT_EQ(r.part_tags, std::vector<std::string>{"part1"});
    EXPECT_FALSE(r.text_paths.empty());
    EXPECT_EQ(r.data_files.size(), 2u);
    EXPECT_TRUE(r.programs.IsMap());
    EXPECT_TRUE(r.mutants.IsSequence());
    EXPECT_EQ(r.MaxScore(), 25);
  }
}

TEST(RubricLoad, LoadRubricReadsTheFileAndHashesItsBytes) {
  char dir_template[] = "/tmp/rubric_test.XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const std::string path = dir + "/ipc.yaml";
  const std::string text = ipc::testing::WithEngineKeys(Yaml(kMinimal));
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);

  const Rubric r = LoadRubric(path);
  std::remove(path.c_str());
  rmdir(dir.c_str());
  EXPECT_EQ(r.path, path);
  EXPECT_EQ(r.sha256, ipc::Sha256Hex(text));
  EXPECT_EQ(r.sha256.size(), 64u);
  EXPECT_EQ(r.checks.at(0).where.file, path);
}

TEST(RubricLoad, MissingFileNamesPathAndCause) {
  try {
    LoadRubric("/nonexistent/ipc.yaml");
    FAIL() << "no error";
  } catch (const RubricError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/ipc.yaml: cannot read rubric: No such file or directory");
  }
}

// ---- YAML-level errors ---------------------------------------------------

TEST(RubricErrors, YamlSyntaxErrorHasLocation) {
  // The second key is indented under a scalar: yaml-cpp stops at line 2.
  EXPECT_EQ(ErrorOf(R"(
assignment: ipc-project
  ref: final
)"),
            "rubrics/x.yaml:2:6: YAML syntax error: illegal map value");
}

TEST(RubricErrors, EmptyFile) {
  EXPECT_EQ(ErrorOf("# nothing here\n"),
            "rubrics/x.yaml:1:1: rubric: the file holds no YAML document");
}

TEST(RubricErrors, SecondDocument) {
  EXPECT_EQ(ErrorOf(R"(
assignment: ipc-project
---
assignment: other
)"),
            "rubrics/x.yaml:3:1: rubric: a second YAML document starts here; a rubric is one "
            "document");
}

TEST(RubricErrors, TopLevelNotAMapping) {
  EXPECT_EQ(ErrorOf("- a\n- b\n"), "rubrics/x.yaml:1:1: rubric: must be a mapping, got a list");
}

// ---- Top level -----------------------------------------------------------

TEST(RubricErrors, UnknownTopLevelKeySuggests) {
  EXPECT_EQ(ErrorOf(R"(
assignment: ipc-project
ref: final
imgae: python:3.12
)"),
            "rubrics/x.yaml:3:1: rubric: unknown key 'imgae' (did you mean 'image'?)");
}

TEST(RubricErrors, UnknownTopLevelKeyBeatsMissingKey) {
  // The typo is reported, not the "missing required key 'checks'" it causes.
  EXPECT_EQ(ErrorOf(R"(
assignment: ipc-project
ref: final
chekcs: []
)"),
            "rubrics/x.yaml:3:1: rubric: unknown key 'chekcs' (did you mean 'checks'?)");
}

TEST(RubricErrors, UnknownTopLevelKeyWithoutSuggestionListsKeys) {
  EXPECT_EQ(ErrorOf("assignment: x\ncolour: red\n"),
            "rubrics/x.yaml:2:1: rubric: unknown key 'colour' (expected one of: assignment, "
            "title, text, image, image_fallbacks, workdir, ref, limits, late, parts, checks, "
            "data_files, programs, mutants)");
}

TEST(RubricErrors, MissingRequiredTopLevelKeyPointsAtMapping) {
  // A block mapping starts at its first key, after any comment.
  EXPECT_EQ(ErrorOf(R"(
# no assignment
ref: final
)"),
            "rubrics/x.yaml:2:1: rubric: missing required key 'assignment'");
}

TEST(RubricErrors, RefMustNotBeEmpty) {
  EXPECT_EQ(ErrorOf("assignment: x\nref: []\n"),
            "rubrics/x.yaml:2:6: rubric: 'ref' must name at least one ref");
  EXPECT_EQ(ErrorOf("assignment: x\nref: [main, '']\n"),
            "rubrics/x.yaml:2:6: rubric: 'ref' item 2 is empty");
}

TEST(RubricErrors, RefRuleKeysAndTagNames) {
  EXPECT_EQ(ErrorOf("assignment: x\nref: {newest_tag_except: [part1], fallbak: [HEAD]}\n"),
            "rubrics/x.yaml:2:35: ref: unknown key 'fallbak' (did you mean 'fallback'?)");
  EXPECT_EQ(ErrorOf("assignment: x\nref: {fallback: [HEAD]}\n"),
            "rubrics/x.yaml:2:6: ref: missing required key 'newest_tag_except'");
  EXPECT_EQ(ErrorOf("assignment: x\nref: {newest_tag_except: ['a,b']}\n"),
            "rubrics/x.yaml:2:26: ref: a tag name has no ','");
  EXPECT_EQ(ErrorOf("assignment: x\nref: {newest_tag_except: [part1, '']}\n"),
            "rubrics/x.yaml:2:26: ref: 'newest_tag_except' item 2 is empty");
}

TEST(RubricErrors, DataFilesAreFilesInsideTheRepository) {
  EXPECT_EQ(ErrorOf(std::string("assignment: x\nref: main\ndata_files: secret.txt\n") + kTail),
            "rubrics/x.yaml:3:13: rubric: 'data_files' must be a list of {path, content}");
  EXPECT_EQ(ErrorOf(std::string("assignment: x\nref: main\ndata_files:\n  - {path: ../secret.txt, content: x}\n") + kTail),
            "rubrics/x.yaml:4:12: data file #1: 'path' must be a file inside the repository, "
            "got \"../secret.txt\"");
  EXPECT_EQ(ErrorOf(std::string("assignment: x\nref: main\ndata_files:\n  - {path: /etc/passwd, content: x}\n") + kTail),
            "rubrics/x.yaml:4:12: data file #1: 'path' must be a file inside the repository, "
            "got \"/etc/passwd\"");
  EXPECT_EQ(ErrorOf(std::string("assignment: x\nref: main\ndata_files:\n  - {path: litterbox/, content: x}\n") + kTail),
            "rubrics/x.yaml:4:12: data file #1: 'path' must be a file inside the repository, "
            "got \"litterbox/\"");
  EXPECT_EQ(ErrorOf(std::string("assignment: x\nref: main\ndata_files:\n  - {path: a.txt}\n") + kTail),
            "rubrics/x.yaml:4:5: data file #1: missing required key 'content'");
  EXPECT_EQ(ErrorOf(std::string("assignment: x\nref: main\ndata_files:\n  - {path: a.txt, content: x, mode: 1}\n") + kTail),
            "rubrics/x.yaml:4:31: data file #1: unknown key 'mode' (expected one of: path, "
            "content)");
}

TEST(RubricErrors, AQuoteIsNeverEmpty) {
  EXPECT_EQ(ErrorOf(R"(
assignment: x
ref: main
parts:
  - {id: part1, title: Part 1, points: 0}
checks:
  - {id: a, part: part1, title: A, type: command, quote: ["First.", ""]}
)"),
            "rubrics/x.yaml:6:58: check 'a': 'quote' must not be empty");
}

TEST(RubricErrors, WorkdirMustBeAbsolute) {
  EXPECT_EQ(ErrorOf("assignment: x\nref: main\nworkdir: root\n"),
            "rubrics/x.yaml:3:10: rubric: 'workdir' must be an absolute path, got \"root\"");
}

TEST(RubricErrors, EmptyValueIsBlamedOnItsKey) {
  // yaml-cpp marks an empty value at the next token (line 3 here).
  EXPECT_EQ(ErrorOf("assignment: x\ntitle:\nref: main\n"),
            "rubrics/x.yaml:2:1: rubric: 'title' must be a string, got null");
}

TEST(RubricErrors, LimitsMustBePositiveIntegersOrNumbers) {
  EXPECT_EQ(ErrorOf("assignment: x\nref: main\nlimits: {pids: 0}\n"),
            "rubrics/x.yaml:3:16: limits: 'pids' must be greater than 0, got 0");
  EXPECT_EQ(ErrorOf("assignment: x\nref: main\nlimits: {memory_mb: 1.5}\n"),
            "rubrics/x.yaml:3:21: limits: 'memory_mb' must be an integer, got number 1.5");
  EXPECT_EQ(ErrorOf("assignment: x\nref: main\nlimits: {cpus: -1}\n"),
            "rubrics/x.yaml:3:16: limits: 'cpus' must be greater than 0, got -1");
  EXPECT_EQ(ErrorOf("assignment: x\nref: main\nlimits: {wal_s: 10}\n"),
            "rubrics/x.yaml:3:10: limits: unknown key 'wal_s' (did you mean 'wall_s'?)");
  EXPECT_EQ(ErrorOf("assignment: x\nref: main\nlimits: 10\n"),
            "rubrics/x.yaml:3:9: limits: must be a mapping, got number 10");
}

TEST(RubricErrors, BadDeadlinePointsAtValueAndSaysWhy) {
  EXPECT_EQ(ErrorOf(R"(
assignment: x
ref: main
late:
  deadline: 2026-13-01T00:00:00Z
)"),
            "rubrics/x.yaml:4:13: late: bad 'deadline' \"2026-13-01T00:00:00Z\": month 13 is out "
            "of range (expected YYYY-MM-DDTHH:MM:SS then Z or +HH:MM/-HH:MM, e.g. "
            "2026-10-31T23:59:00-04:00)");
}

TEST(RubricErrors, LatePolicyRanges) {
  EXPECT_EQ(ErrorOf(R"(
assignment: x
ref: main
late: {deadline: 2026-10-31T23:59:00Z, max_penalty: 1.5}
)"),
            "rubrics/x.yaml:3:53: late: 'max_penalty' must be between 0 and 1, got 1.5");
  EXPECT_EQ(ErrorOf(R"(
assignment: x
ref: main
late: {deadline: 2026-10-31T23:59:00Z, time_source: author}
)"),
            "rubrics/x.yaml:3:53: late: 'time_source' must be tag or commit, got \"author\"");
  EXPECT_EQ(ErrorOf("assignment: x\nref: main\nlate: {grace_minutes: 10}\n"),
            "rubrics/x.yaml:3:7: late: missing required key 'deadline'");
}

// ---- Parts and checks ----------------------------------------------------

TEST(RubricErrors, WrongTypePointsAtValue) {
  EXPECT_EQ(ErrorOf(R"(
assignment: ipc-project
ref: final
parts:
  - {id: part1, title: Part 1, points: 5}
checks:
  - id: build
    points: ten
)"),
            // "points" is read after id, part, title and type; those come first.
            "rubrics/x.yaml:6:5: check 'build': missing required key 'part'");
  EXPECT_EQ(ErrorOf(R"(
assignment: ipc-project
ref: final
parts:
  - {id: part1, title: Part 1, points: 5}
checks:
  - id: build
    part: part1
    title: It builds
    type: command
    points: ten
)"),
            "rubrics/x.yaml:10:13: check 'build': 'points' must be a number, got string \"ten\"");
}

TEST(RubricErrors, QuotedNumberIsAString) {
  EXPECT_EQ(ErrorOf(R"(
assignment: ipc-project
ref: final
parts:
  - {id: part1, title: Part 1, points: "5"}
)"),
            "rubrics/x.yaml:4:40: part 'part1': 'points' must be a number, got string \"5\"");
}

TEST(RubricErrors, MissingCheckKeyPointsAtTheCheck) {
  EXPECT_EQ(ErrorOf(R"(
assignment: ipc-project
ref: final
parts:
  - {id: part1, title: Part 1, points: 5}
checks:
  - id: build
    part: part1
    title: It builds
    points: 5
)"),
            "rubrics/x.yaml:6:5: check 'build': missing required key 'type'");
}

TEST(RubricErrors, MissingKeyNamesALikelyTypo) {
  EXPECT_EQ(ErrorOf(R"(
assignment: ipc-project
ref: final
parts:
  - {id: part1, title: Part 1, points: 5}
checks:
  - id: build
    part: part1
    title: It builds
    tpye: command
)"),
            "rubrics/x.yaml:6:5: check 'build': missing required key 'type' (is 'tpye' on line 9 "
            "a misspelling?)");
}

TEST(RubricErrors, PointSumNamesAMisspeltPointsKey) {
  // "pionts" is a param as far as the loader knows, so the check is worth 0
  // and the sum fails before the type could reject the key: say why.
  EXPECT_EQ(ErrorOf(R"(
assignment: ipc-project
ref: final
parts:
  - {id: part1, title: Part 1, points: 5}
checks:
  - id: build
    part: part1
    title: It builds
    type: command
    pionts: 5
)"),
            "rubrics/x.yaml:4:5: part 'part1' is worth 5 points but its checks add up to 0 (is "
            "'pionts' of check 'build' on line 10 a misspelling of 'points'?)");
}

TEST(RubricErrors, CheckMustBeAMapping) {
  EXPECT_EQ(ErrorOf(R"(
assignment: ipc-project
ref: final
parts:
  - {id: part1, title: Part 1, points: 5}
checks:
  - build
)"),
            "rubrics/x.yaml:6:5: check #1: must be a mapping, got string \"build\"");
}

TEST(RubricErrors, BadCheckId) {
  EXPECT_EQ(ErrorOf(R"(
assignment: ipc-project
ref: final
parts:
  - {id: part1, title: Part 1, points: 5}
checks:
  - id: Build Step
)"),
            "rubrics/x.yaml:6:9: check #1: 'id' must match [a-z0-9_-]+, got \"Build Step\"");
}

TEST(RubricErrors, DuplicateCheckIdPointsAtSecondAndNamesFirstLine) {
  EXPECT_EQ(ErrorOf(R"(
assignment: ipc-project
ref: final
parts:
  - {id: part1, title: Part 1, points: 5}
checks:
  - id: build
    part: part1
    title: It builds
    type: command
    points: 5
  - id: build
    part: part1
    title: It builds again
    type: command
)"),
            "rubrics/x.yaml:11:9: check #2: duplicate check id 'build' (first declared at line 6)");
}

TEST(RubricErrors, DuplicatePartId) {
  EXPECT_EQ(ErrorOf(R"(
assignment: ipc-project
ref: final
parts:
  - {id: part1, title: Part 1, points: 5}
  - {id: part1, title: Part 1 again, points: 5}
)"),
            "rubrics/x.yaml:5:10: part #2: duplicate part id 'part1' (first declared at line 4)");
}

TEST(RubricErrors, UnknownPartListsDeclaredParts) {
  EXPECT_EQ(ErrorOf(R"(
assignment: ipc-project
ref: final
parts:
  - {id: setup, title: Setup, points: 0}
  - {id: part1, title: Part 1, points: 5}
checks:
  - id: build
    part: prat1
)"),
            "rubrics/x.yaml:8:11: check 'build': unknown part 'prat1' (did you mean 'part1'?); "
            "declared parts: setup, part1");
  EXPECT_EQ(ErrorOf(R"(
assignment: ipc-project
ref: final
parts:
  - {id: setup, title: Setup, points: 0}
checks:
  - {id: build, part: part9}
)"),
            "rubrics/x.yaml:6:23: check 'build': unknown part 'part9'; declared parts: setup");
}

TEST(RubricErrors, NeedsUnknownCheck) {
  EXPECT_EQ(ErrorOf(R"(
assignment: ipc-project
ref: final
parts:
  - {id: part1, title: Part 1, points: 0}
checks:
  - {id: build, part: part1, title: B, type: command}
  - id: run
    part: part1
    title: R
    type: command
    needs: [build, biuld]
)"),
            "rubrics/x.yaml:11:20: check 'run': 'needs' names unknown check 'biuld' (did you "
            "mean 'build'?)");
}

TEST(RubricErrors, NeedsCycleIsNamed) {
  EXPECT_EQ(ErrorOf(R"(
assignment: ipc-project
ref: final
parts:
  - {id: part1, title: Part 1, points: 0}
checks:
  - {id: free, part: part1, title: F, type: command}
  - {id: a, part: part1, title: A, type: command, needs: [free, b]}
  - {id: b, part: part1, title: B, type: command, needs: c}
  - {id: c, part: part1, title: C, type: command, needs: [a]}
)"),
            "rubrics/x.yaml:7:65: check 'a': 'needs' makes a cycle: a -> b -> c -> a");
}

TEST(RubricErrors, NeedsItself) {
  EXPECT_EQ(ErrorOf(R"(
assignment: ipc-project
ref: final
parts:
  - {id: part1, title: Part 1, points: 0}
checks:
  - {id: a, part: part1, title: A, type: command, needs: a}
)"),
            "rubrics/x.yaml:6:58: check 'a': 'needs' makes a cycle: a -> a");
}

TEST(RubricErrors, NeedsListedTwice) {
  EXPECT_EQ(ErrorOf(R"(
assignment: ipc-project
ref: final
parts:
  - {id: part1, title: Part 1, points: 0}
checks:
  - {id: a, part: part1, title: A, type: command}
  - {id: b, part: part1, title: B, type: command, needs: [a, a]}
)"),
            "rubrics/x.yaml:7:62: check 'b': 'needs' lists 'a' twice");
}

TEST(RubricErrors, PartPointsMustMatchChecks) {
  EXPECT_EQ(ErrorOf(R"(
assignment: ipc-project
ref: final
parts:
  - {id: setup, title: Setup, points: 1}
  - id: part1
    title: Part 1
    points: 10
checks:
  - {id: a, part: setup, title: A, type: command, points: 1}
  - {id: b, part: part1, title: B, type: command, points: 4}
  - {id: c, part: part1, title: C, type: command, points: 5}
)"),
            "rubrics/x.yaml:5:5: part 'part1' is worth 10 points but its checks add up to 9");
}

TEST(RubricLoad, FractionalPointsAddUpDespiteRounding) {
  // 0.1 + 0.2 != 0.3 in binary; the sum check must not trip on it.
  const Rubric r = ipc::testing::ParseTestRubric(Yaml(R"(
assignment: ipc-project
ref: final
parts:
  - {id: p, title: P, points: 0.3}
checks:
  - {id: a, part: p, title: A, type: command, points: 0.1}
  - {id: b, part: p, title: B, type: command, points: 0.2}
)"),
                               kFile);
  EXPECT_EQ(r.checks.size(), 2u);
}

TEST(RubricErrors, BadVisibility) {
  EXPECT_EQ(ErrorOf(R"(
assignment: ipc-project
ref: final
parts:
  - {id: part1, title: Part 1, points: 0}
checks:
  - id: a
    part: part1
    title: A
    type: command
    visibility: hiden
)"),
            "rubrics/x.yaml:10:17: check 'a': 'visibility' must be one of visible, hidden, "
            "after_due_date, after_published, got \"hiden\" (did you mean 'hidden'?)");
}

TEST(RubricErrors, TimeoutMustBePositive) {
  EXPECT_EQ(ErrorOf(R"(
assignment: ipc-project
ref: final
parts:
  - {id: part1, title: Part 1, points: 0}
checks:
  - {id: a, part: part1, title: A, type: command, timeout: 0}
)"),
            "rubrics/x.yaml:6:60: check 'a': 'timeout' must be greater than 0 seconds, got 0");
}

// ---- Params: the type's keys, with their marks ---------------------------

TEST(RubricParams, HoldOnlyTheTypesKeysWithTheirMarks) {
  const Rubric r = ipc::testing::ParseTestRubric(Yaml(R"(
assignment: ipc-project
ref: final
parts:
  - {id: part1, title: Part 1, points: 5}
checks:
  - id: build
    part: part1
    title: It builds
    type: command
    cmd: make
    points: 5
    stdoutt: ok
)"),
                               kFile);
  const Check& c = r.checks.at(0);
  ASSERT_TRUE(c.params.IsMap());
  EXPECT_EQ(c.params.size(), 2u);
  for (const auto& key : CommonCheckKeys()) EXPECT_FALSE(c.params[key]) << key;

  // What a check type does: read its keys through a NodeReader.
  NodeReader reader(c.params, c.where.file, "check 'build'");
  EXPECT_EQ(reader.Where().ToString(), "rubrics/x.yaml:6:5");  // the check's mapping
  EXPECT_EQ(reader.RequireString("cmd"), "make");
  EXPECT_EQ(reader.WhereOf(c.params["cmd"]).ToString(), "rubrics/x.yaml:10:10");
  reader.OptString("stdout");
  try {
    reader.RejectUnknown();
    FAIL() << "no error";
  } catch (const RubricError& e) {
    EXPECT_STREQ(e.what(),
                 "rubrics/x.yaml:12:5: check 'build': unknown key 'stdoutt' (did you mean "
                 "'stdout'?)");
  }
  try {
    reader.RequireString("signal");
    FAIL() << "no error";
  } catch (const RubricError& e) {
    EXPECT_STREQ(e.what(), "rubrics/x.yaml:6:5: check 'build': missing required key 'signal'");
  }
}

TEST(RubricParams, TypeReaderThatKnowsCommonKeysSuggestsThem) {
  const Rubric r = ipc::testing::ParseTestRubric(Yaml(R"(
assignment: ipc-project
ref: final
parts:
  - {id: part1, title: Part 1, points: 0}
checks:
  - id: build
    part: part1
    title: It builds
    type: command
    cmd: make
  - id: sigusr1
    pionts: 0
    part: part1
    title: Handles SIGUSR1
    type: signal
)"),
                               kFile);
  NodeReader reader(r.checks.at(1).params, kFile, "check 'sigusr1'");
  reader.MarkKnown(CommonCheckKeys());
  try {
    reader.RejectUnknown();
    FAIL() << "no error";
  } catch (const RubricError& e) {
    EXPECT_STREQ(e.what(),
                 "rubrics/x.yaml:12:5: check 'sigusr1': unknown key 'pionts' (did you mean "
                 "'points'?)");
  }
}

TEST(RubricParams, RegressionAliasedCheckDoesNotStripAnotherChecksParams) {
  // Check b is an alias of a mapping inside check a's params. Removing b's
  // common keys from a shared tree would empty a's "template" too.
  const Rubric r = ipc::testing::ParseTestRubric(Yaml(R"(
assignment: ipc-project
ref: final
parts:
  - {id: part1, title: Part 1, points: 0}
checks:
  - id: a
    part: part1
    title: A
    type: command
    template: &t {id: b, part: part1, title: B, type: command, cmd: run}
  - *t
)"),
                               kFile);
  ASSERT_EQ(r.checks.size(), 2u);
  const YAML::Node tmpl = r.checks[0].params["template"];
  ASSERT_TRUE(tmpl.IsMap());
  EXPECT_EQ(tmpl.size(), 5u);
  EXPECT_EQ(tmpl["id"].Scalar(), "b");
  EXPECT_EQ(r.checks[1].id, "b");
  EXPECT_EQ(r.checks[1].params.size(), 1u);
  EXPECT_EQ(r.checks[1].params["cmd"].Scalar(), "run");
}

// ---- NodeReader ----------------------------------------------------------

TEST(NodeReader, RejectUnknownPointsAtTheKey) {
  EXPECT_EQ(ReaderError(R"(
id: sigusr1
points: 5
  # a comment
    
pionts: 5
)",
                        [](NodeReader& r) {
                          r.OptNumber("points");
                          r.OptString("id");
                          r.RejectUnknown();
                        }),
            "rubrics/x.yaml:5:1: check 'build': unknown key 'pionts' (did you mean 'points'?)");
}

TEST(NodeReader, ReadKeysAreNotUnknown) {
  EXPECT_EQ(ReaderError("a: 1\nb: [x]\nc: {d: 1}\n",
                        [](NodeReader& r) {
                          r.OptInt("a");
                          r.OptStringList("b");
                          r.Child("c");
                          r.RejectUnknown();
                        }),
            "<no error>");
}

TEST(NodeReader, DuplicateKey) {
  EXPECT_EQ(ReaderError("points: 1\nid: x\npoints: 2\n", [](NodeReader&) {}),
            "rubrics/x.yaml:3:1: check 'build': duplicate key 'points' (first at line 1)");
}

TEST(NodeReader, OptStringListTakesScalarOrList) {
  YAML::Node n = YAML::Load("one: build\nmany: [a, b]\nnone: []\n");
  NodeReader r(n, kFile, "check 'x'");
  EXPECT_EQ(r.OptStringList("one"), std::vector<std::string>{"build"});
  EXPECT_EQ(r.OptStringList("many"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.OptStringList("none"), std::vector<std::string>{});
  EXPECT_EQ(r.OptStringList("absent"), std::nullopt);
}

TEST(NodeReader, OptStringListErrorsPointAtTheOffender) {
  EXPECT_EQ(ReaderError("needs:\n  - a\n  - {b: 1}\n",
                        [](NodeReader& r) { r.OptStringList("needs"); }),
            "rubrics/x.yaml:3:5: check 'build': 'needs' item 2 must be a string, got a mapping");
  EXPECT_EQ(ReaderError("needs: {a: 1}\n", [](NodeReader& r) { r.OptStringList("needs"); }),
            "rubrics/x.yaml:1:8: check 'build': 'needs' must be a string or a list of strings, "
            "got a mapping");
  EXPECT_EQ(ReaderError("x: 1\n", [](NodeReader& r) { r.RequireStringList("needs"); }),
            "rubrics/x.yaml:1:1: check 'build': missing required key 'needs'");
}

TEST(NodeReader, StrictScalarTypes) {
  EXPECT_EQ(ReaderError("x: yes\n", [](NodeReader& r) { r.OptBool("x"); }),
            "rubrics/x.yaml:1:4: check 'build': 'x' must be true or false, got string \"yes\"");
  EXPECT_EQ(ReaderError("x: 2.5\n", [](NodeReader& r) { r.OptInt("x"); }),
            "rubrics/x.yaml:1:4: check 'build': 'x' must be an integer, got number 2.5");
  EXPECT_EQ(ReaderError("x: 99999999999999999999\n", [](NodeReader& r) { r.OptInt("x"); }),
            "rubrics/x.yaml:1:4: check 'build': 'x' is out of range, got number "
            "99999999999999999999");
  EXPECT_EQ(ReaderError("x: .inf\n", [](NodeReader& r) { r.OptNumber("x"); }),
            "rubrics/x.yaml:1:4: check 'build': 'x' must be a number, got string \".inf\"");
  EXPECT_EQ(ReaderError("x: [1]\n", [](NodeReader& r) { r.OptString("x"); }),
            "rubrics/x.yaml:1:4: check 'build': 'x' must be a string, got a list");
  EXPECT_EQ(ReaderError("x: true\n", [](NodeReader& r) { r.OptNumber("x"); }),
            "rubrics/x.yaml:1:4: check 'build': 'x' must be a number, got boolean true");

  NodeReader r(YAML::Load("t: true\nf: False\ni: -12\nn: +1.5e2\ns: 10\n"), kFile, "");
  EXPECT_EQ(r.OptBool("t"), true);
  EXPECT_EQ(r.OptBool("f"), false);
  EXPECT_EQ(r.OptInt("i"), -12);
  EXPECT_EQ(r.OptNumber("n"), 150);
  EXPECT_EQ(r.OptString("s"), "10");  // any scalar is a string
}

TEST(NodeReader, ChildIsFalseWhenAbsentAndEmptyValueIsAnError) {
  NodeReader r(YAML::Load("a: {b: 1}\n"), kFile, "check 'x'");
  EXPECT_TRUE(r.Child("a").IsMap());
  EXPECT_FALSE(r.Child("missing"));
  EXPECT_TRUE(r.Has("a"));
  EXPECT_FALSE(r.Has("missing"));
  EXPECT_EQ(ReaderError("expect:\nnext: 1\n", [](NodeReader& rr) { rr.Child("expect"); }),
            "rubrics/x.yaml:1:1: check 'build': 'expect' has no value");
}

TEST(NodeReader, FailKeyAndFailValue) {
  EXPECT_EQ(ReaderError("  sig: USR9\n", [](NodeReader& r) { r.FailKey("sig", "bad"); }),
            "rubrics/x.yaml:1:3: check 'build': bad");
  EXPECT_EQ(ReaderError("  sig: USR9\n", [](NodeReader& r) { r.FailValue("sig", "bad"); }),
            "rubrics/x.yaml:1:8: check 'build': bad");
  EXPECT_EQ(ReaderError("  sig: USR9\n", [](NodeReader& r) { r.FailKey("other", "bad"); }),
            "rubrics/x.yaml:1:3: check 'build': bad");
}

TEST(NodeReader, NotAMapping) {
  try {
    NodeReader r(YAML::Load("[1, 2]"), kFile, "limits");
    FAIL() << "no error";
  } catch (const RubricError& e) {
    EXPECT_STREQ(e.what(), "rubrics/x.yaml:1:1: limits: must be a mapping, got a list");
  }
}

TEST(Location, OneBasedFromYamlMark) {
  const YAML::Node n = YAML::Load("a:\n  b: 1\n");
  EXPECT_EQ(LocationOf(n["a"]["b"].Mark(), "f.yaml").ToString(), "f.yaml:2:6");
  EXPECT_EQ(LocationOf(YAML::Mark::null_mark(), "f.yaml").ToString(), "f.yaml");
}

TEST(DidYouMean, PicksTheClosestWithinLimits) {
  const std::vector<std::string> keys = {"id", "points", "part", "timeout", "image"};
  EXPECT_EQ(DidYouMean("pionts", keys), "points");   // transposition
  EXPECT_EQ(DidYouMean("imgae", keys), "image");
  EXPECT_EQ(DidYouMean("timout", keys), "timeout");  // deletion
  EXPECT_EQ(DidYouMean("prat", keys), "part");
  EXPECT_EQ(DidYouMean("ab", keys), "");             // short words get 1 edit
  EXPECT_EQ(DidYouMean("colour", keys), "");
  EXPECT_EQ(DidYouMean("pointsxyz", keys), "");       // 3 edits is too many
}

TEST(Visibility, GradescopeSpellings) {
  EXPECT_EQ(VisibilityName(Visibility::kVisible), "visible");
  EXPECT_EQ(VisibilityName(Visibility::kHidden), "hidden");
  EXPECT_EQ(VisibilityName(Visibility::kAfterDueDate), "after_due_date");
  EXPECT_EQ(VisibilityName(Visibility::kAfterPublished), "after_published");
}

// ---- ISO 8601 ------------------------------------------------------------

std::string IsoError(const char* text) {
  std::string why;
  if (ParseIsoDateTime(text, &why)) return "<parsed>";
  return why;
}

TEST(Iso8601, ConvertsOffsetsToUnixSeconds) {
  std::string why;
  EXPECT_EQ(ParseIsoDateTime("1970-01-01T00:00:00Z", &why), 0);
  // Independently: date -u -d '...' +%s
  EXPECT_EQ(ParseIsoDateTime("2026-11-01T03:59:00Z", &why), 1793505540);
  EXPECT_EQ(ParseIsoDateTime("2026-10-31T23:59:00-04:00", &why), 1793505540);
  EXPECT_EQ(ParseIsoDateTime("2028-02-29T12:00:00+05:30", &why), 1835418600);
  EXPECT_EQ(ParseIsoDateTime("1969-12-31T23:59:59Z", &why), -1);
}

TEST(Iso8601, RejectsGarbageWithAReason) {
  EXPECT_EQ(IsoError("2026-02-29T00:00:00Z"), "day 29 does not exist in 2026-02");
  EXPECT_EQ(IsoError("2026-10-31T23:59:00"),
            "missing UTC offset (Z, +HH:MM or -HH:MM) after the time");
  EXPECT_EQ(IsoError("2026-10-31 23:59:00Z"), "expected 'T' after the date at character 11");
  EXPECT_EQ(IsoError("2026-10-31T24:00:00Z"), "hour 24 is out of range");
  EXPECT_EQ(IsoError("2026-10-31T23:59:00.5Z"), "fractional seconds are not accepted");
  EXPECT_EQ(IsoError("2026-10-31T23:59:00-0400"),
            "expected ':' after the offset hours at character 23");
  EXPECT_EQ(IsoError("2026-10-31T23:59:00Zjunk"),
            "unexpected text after the UTC offset at character 21");
  EXPECT_EQ(IsoError("26-10-31T23:59:00Z"), "expected 4 digits for the year at character 1");
  EXPECT_EQ(IsoError(""), "expected 4 digits for the year at character 1");
}

}  // namespace
}  // namespace ipc::rubric
