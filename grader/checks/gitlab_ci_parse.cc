#include "checks/gitlab_ci_parse.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "rubric/yaml_reader.h"

namespace ipc::checks {
namespace {

// Top-level keys that configure the pipeline instead of naming a job
// (GitLab's "global keywords"; `types` is the deprecated `stages`).
constexpr std::array<const char*, 11> kGlobalKeywords = {
    "image",    "services", "stages",  "types",   "before_script", "after_script",
    "variables", "cache",   "include", "default", "workflow"};

// GitLab accepts script arrays nested up to this depth and flattens them.
constexpr int kMaxNesting = 10;

bool IsGlobalKeyword(const std::string& key) {
  return std::any_of(kGlobalKeywords.begin(), kGlobalKeywords.end(),
                     [&](const char* k) { return key == k; });
}

// Thrown inside this file only; ParseGitlabCi turns it into *err.
struct CiError {
  std::string message;
};

class Parser {
 public:
  explicit Parser(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void Fail(const YAML::Node& at, const std::string& message) const {
    throw CiError{rubric::LocationOf(at.Mark(), file_).ToString() + ": " + message};
  }
  std::string Where(const YAML::Node& at) const {
    return rubric::LocationOf(at.Mark(), file_).ToString();
  }

  // `map[key]`, also through YAML merge keys (`<<: *defaults`), which
  // yaml-cpp leaves as an ordinary key and GitLab's parser resolves.
  YAML::Node Get(const YAML::Node& map, const std::string& key, int depth = 0) const {
    if (!map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    if (const YAML::Node v = map[key]) return v;
    const YAML::Node merge = map["<<"];
    if (!merge || depth > kMaxNesting) return YAML::Node(YAML::NodeType::Undefined);
    if (merge.IsMap()) return Get(merge, key, depth + 1);
    if (merge.IsSequence()) {
      for (const auto& m : merge) {
        if (YAML::Node v = Get(m, key, depth + 1)) return v;
      }
    }
    return YAML::Node(YAML::NodeType::Undefined);
  }

  // script / before_script: a string, or a list of strings and lists.
  void Flatten(const YAML::Node& node, const std::string& what, int depth,
               std::vector<std::string>* out) {
    if (node.Tag() == "!reference") {
      Note(Where(node) + ": `!reference` in " + what + " is not resolved by the grader");
      return;
    }
    if (node.IsScalar()) {
      out->push_back(node.Scalar());
      return;
    }
    if (node.IsSequence() && depth < kMaxNesting) {
      for (const auto& item : node) Flatten(item, what, depth + 1, out);
      return;
    }
    if (node.IsMap()) {
      Fail(node, what + " lines must be strings, but this one reads as a mapping (a ': ' "
                        "in an unquoted line does that): quote the line, e.g. - \"echo a: b\"");
    }
    if (node.IsNull()) Fail(node, what + " has an empty line");
    Fail(node, what + " must be a string or a list of strings nested at most " +
                   std::to_string(kMaxNesting) + " deep");
  }

  std::vector<std::string> Lines(const YAML::Node& node, const std::string& what) {
    std::vector<std::string> lines;
    Flatten(node, what, 0, &lines);
    return lines;
  }

  std::string Image(const YAML::Node& node) {
    if (node.IsScalar()) return node.Scalar();
    if (node.IsMap()) {
      if (YAML::Node name = Get(node, "name"); name && name.IsScalar()) return name.Scalar();
    }
    Fail(node, "`image` must be a string or a mapping with a `name`");
  }

  void Variables(const YAML::Node& node, std::map<std::string, std::string>* out) {
    if (!node.IsMap()) return;
    for (const auto& kv : node) {
      const std::string name = kv.first.Scalar();
      if (name == "<<") {
        Variables(kv.second, out);
        continue;
      }
      const bool valid = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) &&
                         std::all_of(name.begin(), name.end(), [](char ch) {
                           return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
                         });
      YAML::Node value = kv.second;
      if (value.IsMap()) value = Get(value, "value");
      if (!valid || !value || !value.IsScalar()) {
        Note(Where(kv.first) + ": variable '" + name + "' is not passed to the job");
        continue;
      }
      (*out)[name] = value.Scalar();
    }
  }

  void Note(std::string text) {
    if (std::find(notes_.begin(), notes_.end(), text) == notes_.end()) {
      notes_.push_back(std::move(text));
    }
  }

  CiFile Parse(const YAML::Node& root) {
    if (!root.IsMap()) {
      Fail(root, "the file must be a mapping of jobs and keywords, got " +
                     rubric::DescribeNode(root));
    }
    const YAML::Node defaults = Get(root, "default");
    std::string image;
    if (YAML::Node n = Get(defaults, "image")) image = Image(n);
    else if (YAML::Node top = Get(root, "image")) image = Image(top);
    std::vector<std::string> before;
    if (YAML::Node n = Get(defaults, "before_script")) before = Lines(n, "before_script");
    else if (YAML::Node top = Get(root, "before_script")) before = Lines(top, "before_script");
    std::map<std::string, std::string> variables;
    if (YAML::Node n = Get(root, "variables")) Variables(n, &variables);
    if (Get(root, "include")) {
      Note("`include` is not followed: jobs and keys in included files are not seen");
    }

    CiFile ci;
    for (const auto& kv : root) {
      if (!kv.first.IsScalar()) Fail(kv.first, "a top-level key must be a string");
      const std::string name = kv.first.Scalar();
      if (IsGlobalKeyword(name) || name == "<<") continue;
      if (!name.empty() && name[0] == '.') {
        ci.hidden.push_back(name);  // a template: never run, not validated
        continue;
      }
      const YAML::Node job = kv.second;
      if (!job.IsMap()) continue;  // not a job; GitLab would reject it, we ignore it
      if (Get(job, "extends")) {
        Note(Where(kv.first) + ": `extends` in job '" + name + "' is not resolved");
      }
      const YAML::Node script = Get(job, "script");
      if (!script) continue;  // a trigger job, or one that only extends
      CiJob j;
      j.name = name;
      j.where = Where(kv.first);
      j.script = Lines(script, "script");
      if (j.script.empty()) Fail(script, "job '" + name + "' has an empty script");
      YAML::Node own_before = Get(job, "before_script");
      j.before_script = own_before ? Lines(own_before, "before_script") : before;
      YAML::Node own_image = Get(job, "image");
      j.image = own_image ? Image(own_image) : image;
      j.variables = variables;
      if (YAML::Node v = Get(job, "variables")) Variables(v, &j.variables);
      ci.jobs.push_back(std::move(j));
    }
    ci.notes = notes_;
    return ci;
  }

 private:
  std::string file_;
  std::vector<std::string> notes_;
};

std::string NameList(const std::vector<CiJob>& jobs) {
  std::string out;
  for (const auto& j : jobs) out += (out.empty() ? "'" : ", '") + j.name + "'";
  return out;
}

}  // namespace

std::vector<std::string> CiJob::Lines() const {
  std::vector<std::string> all = before_script;
  all.insert(all.end(), script.begin(), script.end());
  return all;
}

std::optional<CiFile> ParseGitlabCi(const std::string& text, const std::string& file,
                                    std::string* err) {
  Parser parser(file);
  try {
    const YAML::Node root = YAML::Load(text);
    if (!root.IsDefined() || root.IsNull()) {
      *err = file + ": the file is empty: GitLab needs at least one job with a script";
      return std::nullopt;
    }
    return parser.Parse(root);
  } catch (const YAML::Exception& e) {
    // yaml-cpp's own what() repeats the position 0-based; use msg + mark.
    *err = rubric::LocationOf(e.mark, file).ToString() + ": YAML syntax error: " + e.msg;
  } catch (const CiError& e) {
    *err = e.message;
  }
  return std::nullopt;
}

const CiJob* SelectJob(const CiFile& ci, const std::string& name, std::string* err) {
  if (!name.empty()) {
    for (const auto& j : ci.jobs) {
      if (j.name == name) return &j;
    }
    if (std::find(ci.hidden.begin(), ci.hidden.end(), name) != ci.hidden.end()) {
      *err = "job '" + name + "' is hidden (its name starts with '.'), so GitLab never runs it";
    } else if (std::find(ci.hidden.begin(), ci.hidden.end(), "." + name) != ci.hidden.end()) {
      *err = "job '" + name + "' is disabled as '." + name +
             "' (a leading '.' hides a job): remove the dot so GitLab runs it";
    } else {
      *err = "there is no job '" + name + "' with a script" +
             (ci.jobs.empty() ? std::string(" (the file has no job with a script)")
                              : "; the jobs are " + NameList(ci.jobs));
    }
    return nullptr;
  }
  if (ci.jobs.size() == 1) return &ci.jobs[0];
  if (ci.jobs.empty()) {
    *err = "there is no job with a script" +
           std::string(ci.hidden.empty() ? ""
                                         : " (jobs whose names start with '.' are hidden "
                                           "templates and never run)");
  } else {
    *err = "there are several jobs (" + NameList(ci.jobs) +
           ") and the rubric does not say which one to run (set `job`)";
  }
  return nullptr;
}

}  // namespace ipc::checks
