// The rubric: what is graded, where, and for how many points.
//
// A rubric is a YAML file (schema in rubrics/README.md) read by
// rubric_loader.cc. The common keys of a check (id, part, points, needs...)
// are decoded there; the keys that belong to one check type stay in
// `params` and are decoded by that type (grader/checks/), through the same
// checked reader, so every error in either place points at file:line:col.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace ipc::rubric {

// A position in a rubric file, 1-based (YAML::Mark is 0-based; the loader
// converts in exactly one place).
struct Location {
  std::string file;
  int line = 0;
  int column = 0;
  std::string ToString() const;  // "file:line:col"; just "file" when line is 0
};

enum class Visibility { kVisible, kHidden, kAfterDueDate, kAfterPublished };
std::string VisibilityName(Visibility v);  // Gradescope spelling

struct Part {
  std::string id;     // e.g. "setup", "milestone1", "final"
  std::string title;
  double points = 0;  // the sum of its checks' points must equal this
  // The part's own deadline (`deadline:`, optional; needs `late:`): its
  // points are judged against it with the rubric's late policy instead of
  // the policy's deadline. Unix seconds, and the text as written.
  std::optional<std::int64_t> deadline;
  std::string deadline_text;
  Location where;
};

struct Check {
  std::string id;                  // unique, [a-z0-9_-]+
  std::string part;                // a Part id
  std::string title;               // one line shown to the student
  std::string type;                // a registered check type
  double points = 0;               // 0 = insight (reported, not scored)
  std::vector<std::string> needs;  // check ids that must pass first
  Visibility visibility = Visibility::kVisible;
  std::optional<double> timeout_s; // per-check; else the type's default
  std::string ref;                 // graded ref for this check; "" = main
  // The sentences of the assignment this check's points come from, quoted
  // word for word (a test holds the rubric's quotes to the assignment's
  // text, `text:`); shown to students with the check.
  std::vector<std::string> quotes;
  // The type's own keys: the check's mapping minus the common keys above,
  // carved from a private parse of the file so every key, value and the
  // mapping itself keep their YAML::Mark (read it with a NodeReader; the
  // loader does not look inside, the type validates it).
  YAML::Node params;
  Location where;
};

struct Limits {
  std::uint64_t memory_mb = 1024;
  int pids = 256;
  double cpus = 1.0;
  double wall_s = 180;
};

struct LatePolicy {
  std::optional<std::int64_t> deadline;  // unix seconds (from ISO 8601)
  std::string deadline_text;             // as written
  std::string time_source = "tag";       // "tag" | "commit": which time counts
  double penalty_per_day = 0;            // fraction of max per started day
  double max_penalty = 1.0;              // fraction cap
  double grace_minutes = 0;
};

// A file of the assignment's tree with the content the text gives it
// (`data/notes.txt`: "Remember the milk."). Program-judging checks get it
// in their box where the submission lacks it.
struct DataFile {
  std::string path;
  std::string content;
  Location where;
};

struct Rubric {
  std::string path;          // file it came from
  std::string sha256;        // of the file's bytes (provenance)
  std::string assignment;    // e.g. "shell-lab"
  std::string title;
  // The assignment's image (`image:`, required: the engine has no default;
  // e.g. debian:stable).
  std::string image;
  // Images to use, in order, when `image` is not present and cannot be
  // pulled (e.g. one a set-up script builds offline).
  std::vector<std::string> image_fallbacks;
  // Where the submission's tree is put in the container (`workdir:`,
  // required, an absolute path; e.g. /work).
  std::string workdir;
  // Graded ref candidates, in order (a fetch::kNewestTagExcept rule among
  // them for `ref: {newest_tag_except: [...]}`).
  std::vector<std::string> refs;
  // The tags that mark a part (`newest_tag_except`): never the final
  // submission's tag.
  std::vector<std::string> part_tags;
  // The assignment's text, relative to the rubric (`text:`, one file or a
  // list: a variant's handout, then the text it changes), for quotes.
  std::vector<std::string> text_paths;
  Limits limits;
  LatePolicy late;
  std::vector<Part> parts;
  std::vector<Check> checks;
  std::vector<DataFile> data_files;
  // The assignment's programs and their seeded faults, decoded by
  // reference/oracle_yaml.h (the loader only keeps the nodes).
  YAML::Node programs;
  YAML::Node mutants;

  const Part* FindPart(const std::string& id) const;
  const Check* FindCheck(const std::string& id) const;
  double MaxScore() const;
};

// The keys of a check mapping that the loader decodes; every other key is
// left in Check::params for the type.
const std::vector<std::string>& CommonCheckKeys();

// Throws RubricError whose what() is "file:line:col: message".
Rubric LoadRubric(const std::string& path);
Rubric ParseRubric(const std::string& yaml_text, const std::string& path);

struct RubricError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace ipc::rubric
