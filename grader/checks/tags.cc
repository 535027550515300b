// tags: the repository has these tags, optionally made by a deadline, and
// (final_tag) a tag on the submission that is graded.
//   tags: [milestone1]
//   final_tag: true      the graded ref is a tag, and not one of `tags`:
//                        the text says "tag your submission" and names no
//                        tag, so any other tag is the final one (the rubric's
//                        `ref: {newest_tag_except: [milestone1]}` grades it)
//   deadlines: {milestone1: "2026-10-01T23:59:00-04:00"}   (optional, per tag)
//   partial: true        points in proportion to what is there
//
// A tag's time is what the fetcher recorded (Snapshot::tag_times): the
// tagger time of an annotated tag, the commit time of a lightweight one.
// Both come from the student's machine's clock and can be forged; the late
// policy of the rubric has the same limit.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "checks/types.h"
#include "rubric/iso8601.h"
#include "rubric/yaml_scalar.h"
#include "util/strings.h"

namespace ipc::checks {
namespace {

struct Deadline {
  std::int64_t at = 0;  // unix seconds
  std::string text;     // as written
};

struct Params {
  std::vector<std::string> tags;
  bool final_tag = false;
  std::map<std::string, Deadline> deadlines;
  bool partial = true;
};

Params Parse(const rubric::Check& check) {
  auto r = ParamsReader(check);
  Params p;
  p.tags = r.OptStringList("tags").value_or(std::vector<std::string>{});
  p.final_tag = r.OptBool("final_tag").value_or(false);
  if (p.tags.empty() && !p.final_tag) {
    r.FailKey("tags", "'tags' must list at least one tag, or 'final_tag' be true");
  }
  p.partial = r.OptBool("partial").value_or(true);
  const YAML::Node node = r.Child("deadlines");
  r.RejectUnknown();
  if (!node) return p;
  if (!node.IsMap()) {
    r.FailValue("deadlines",
                "'deadlines' must map tags to times, e.g. {milestone1: "
                "\"2026-10-01T23:59:00-04:00\"}, got " +
                    rubric::DescribeNode(node));
  }
  rubric::NodeReader d(node, r.file(), r.what() + ": deadlines");
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string tag = it->first.Scalar();
    if (std::find(p.tags.begin(), p.tags.end(), tag) == p.tags.end()) {
      d.FailKey(tag, "deadline for tag " + rubric::scalar::Quote(tag) + ", which is not in 'tags'");
    }
    Deadline dl;
    dl.text = d.RequireString(tag);
    std::string why;
    const auto at = rubric::ParseIsoDateTime(dl.text, &why);
    if (!at) {
      d.FailValue(tag, "bad deadline " + rubric::scalar::Quote(dl.text) + ": " + why +
                           " (expected YYYY-MM-DDTHH:MM:SS then Z or +HH:MM/-HH:MM, "
                           "e.g. 2026-10-31T23:59:00-04:00)");
    }
    dl.at = *at;
    p.deadlines[tag] = dl;
  }
  return p;
}

// `t` written like `like` (a valid deadline): same UTC offset, so the two
// read side by side.
std::string FormatLike(std::int64_t t, const std::string& like) {
  int offset = 0;
  std::string suffix = "Z";
  if (!like.empty() && like.back() != 'Z' && like.size() >= 6) {
    suffix = like.substr(like.size() - 6);  // +HH:MM or -HH:MM
    const int minutes = std::stoi(suffix.substr(1, 2)) * 60 + std::stoi(suffix.substr(4, 2));
    offset = (suffix[0] == '-' ? -1 : 1) * minutes * 60;
  }
  namespace chr = std::chrono;
  const chr::sys_seconds tp{chr::seconds{t + offset}};
  const auto day = chr::floor<chr::days>(tp);
  const chr::year_month_day ymd{day};
  const chr::hh_mm_ss hms{tp - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count(), suffix);
}

// "45 s", "12 min", "13 h 1 min", "3 days 4 h".
std::string FormatDuration(std::int64_t s) {
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600) return fmt::format("{} min", s / 60);
  if (s < 48 * 3600) {
    const std::int64_t min = (s % 3600) / 60;
    return fmt::format("{} h", s / 3600) + (min ? fmt::format(" {} min", min) : "");
  }
  const std::int64_t days = s / 86400, hours = (s % 86400) / 3600;
  return fmt::format("{} days", days) + (hours ? fmt::format(" {} h", hours) : "");
}

class Tags : public CheckType {
 public:
  std::string Name() const override { return "tags"; }
  void Validate(const rubric::Check& c, const rubric::Rubric&) const override { Parse(c); }

  Outcome Score(const rubric::Check& c, const Evidence& ev) const override {
    const Params p = Parse(c);
    const fetch::Snapshot& snap = *ev.snapshot;
    std::vector<std::string> problems, seen, wanted;
    for (const auto& tag : p.tags) {
      auto dl = p.deadlines.find(tag);
      wanted.push_back(dl == p.deadlines.end() ? tag : tag + " (by " + dl->second.text + ")");
      if (std::find(snap.tags.begin(), snap.tags.end(), tag) == snap.tags.end()) {
        problems.push_back(Missing(snap, tag));
        seen.push_back(tag + ": missing");
        continue;
      }
      if (dl == p.deadlines.end()) {
        seen.push_back(tag + ": present");
        continue;
      }
      auto time = snap.tag_times.find(tag);
      if (time == snap.tag_times.end()) {
        // The fetcher records a time for every tag; without one there is
        // nothing to judge, and the grader's gap must not cost points.
        seen.push_back(tag + ": present, time unknown (not judged against the deadline)");
        continue;
      }
      const std::string when = FormatLike(time->second, dl->second.text);
      const std::int64_t late = time->second - dl->second.at;
      if (late > 0) {
        problems.push_back(fmt::format(
            "tag '{}' is dated {} (its tagger or commit time), {} after its deadline {}", tag, when,
            FormatDuration(late), dl->second.text));
        seen.push_back(tag + ": dated " + when + ", " + FormatDuration(late) + " late");
      } else {
        seen.push_back(tag + ": dated " + when + ", on time");
      }
    }
    std::size_t total = p.tags.size();
    std::string graded;
    if (p.final_tag) {
      ++total;
      wanted.push_back("a tag on the final submission");
      const auto& rev = snap.revision;
      const bool tagged = rev.ref_kind == "tag" &&
                          std::find(p.tags.begin(), p.tags.end(), rev.ref) == p.tags.end();
      graded = fmt::format("Graded {} {}{}.", rev.ref_kind.empty() ? "ref" : rev.ref_kind, rev.ref,
                           rev.why.empty() ? "" : " (" + rev.why + ")");
      if (tagged) {
        seen.push_back("final submission: tag " + rev.ref);
      } else {
        problems.push_back(fmt::format(
            "no tag on the final submission: tag the commit you hand in (`git tag -a NAME` with "
            "any name other than {}) and push it",
            Join(p.tags, ", ")));
        seen.push_back("final submission: no tag");
      }
    }
    Outcome o = problems.empty() ? Outcome::Pass(graded)
                                 : Outcome::Fail(Join(problems, "; ") + "." +
                                                 (graded.empty() ? "" : " " + graded));
    if (!problems.empty() && p.partial) {
      o.fraction = static_cast<double>(total - problems.size()) / static_cast<double>(total);
    }
    o.expected = "tags: " + Join(wanted, ", ");
    o.student = Join(seen, "; ");
    return o;
  }

 private:
  static std::string Missing(const fetch::Snapshot& snap, const std::string& tag) {
    std::string msg = fmt::format(
        "tag '{}' is missing: create it with `git tag -a {} <commit>` and push it with "
        "`git push origin {}`",
        tag, tag, tag);
    auto lower = [](std::string s) {
      for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      return s;
    };
    for (const auto& t : snap.tags) {
      if (lower(t) == lower(tag)) {
        msg += fmt::format(" (there is a tag '{}': tag names are case-sensitive)", Abbrev(t, 60));
        break;
      }
    }
    return msg;
  }
};

}  // namespace

std::unique_ptr<CheckType> MakeTagsType() { return std::make_unique<Tags>(); }

}  // namespace ipc::checks
