#include "fetch/resolve.h"

#include <algorithm>
#include <optional>

#include "fetch/git_handles.h"

namespace ipc::fetch {
namespace {

constexpr std::size_t kListMax = 10;  // names shown in a missing-ref message

bool StartsWith(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

bool IsHexPrefix(const std::string& s) {
  if (s.size() < GIT_OID_MINPREFIXLEN || s.size() > GIT_OID_HEXSZ) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
  });
}

std::string KindOfRef(const char* name) {
  const std::string n = name;
  if (StartsWith(n, "refs/tags/")) return "tag";
  if (StartsWith(n, "refs/heads/")) return "branch";
  return "ref";
}

// Looks a reference up, following symbolic ones (HEAD -> refs/heads/main).
// nullptr when missing, unborn or invalid as a name.
RefPtr LookupRef(git_repository* repo, const std::string& name) {
  git_reference* raw = nullptr;
  if (git_reference_lookup(&raw, repo, name.c_str()) != 0) return nullptr;
  RefPtr ref(raw);
  git_reference* resolved = nullptr;
  if (git_reference_resolve(&resolved, ref.get()) != 0) return nullptr;
  return RefPtr(resolved);
}

// Fills rev from the object a candidate names. False (with *note) when the
// object does not peel to a commit.
bool FillFromObject(git_object* obj, Revision* rev, std::string* note) {
  if (git_object_type(obj) == GIT_OBJECT_TAG) {
    const git_signature* tagger =
        git_tag_tagger(reinterpret_cast<git_tag*>(obj));
    if (tagger != nullptr) rev->tag_time = tagger->when.time;
  }
  git_object* peeled = nullptr;
  if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) != 0) {
    *note = "'" + rev->ref + "' names a " +
            git_object_type2string(git_object_type(obj)) + ", not a commit";
    return false;
  }
  ObjectPtr commit_obj(peeled);
  auto* commit = reinterpret_cast<git_commit*>(commit_obj.get());
  rev->commit = OidHex(git_commit_id(commit));
  rev->commit_time = git_commit_time(commit);
  const char* summary = git_commit_summary(commit);
  rev->commit_summary = summary != nullptr ? summary : "";
  return true;
}

bool TryRef(git_repository* repo, const std::string& refname,
            const std::string& kind, Revision* rev, std::string* note) {
  RefPtr ref = LookupRef(repo, refname);
  if (!ref || git_reference_target(ref.get()) == nullptr) return false;
  git_object* raw = nullptr;
  if (git_object_lookup(&raw, repo, git_reference_target(ref.get()),
                        GIT_OBJECT_ANY) != 0) {
    *note = "'" + rev->ref + "': " + LastGitError();
    return false;
  }
  ObjectPtr obj(raw);
  rev->ref_kind =
      kind.empty() ? KindOfRef(git_reference_name(ref.get())) : kind;
  return FillFromObject(obj.get(), rev, note);
}

// The newest tag not in `except` (a candidate of kNewestTagExcept).
bool TryNewestTag(git_repository* repo, const std::string& except_list, Revision* rev,
                  std::vector<std::string>* notes) {
  std::vector<std::string> except;
  for (std::size_t start = 0; start <= except_list.size();) {
    auto comma = except_list.find(',', start);
    if (comma == std::string::npos) comma = except_list.size();
    if (comma > start) except.push_back(except_list.substr(start, comma - start));
    start = comma + 1;
  }
  std::vector<std::string> tags;
  std::map<std::string, std::int64_t> times;
  ListTags(repo, &tags, &times);
  std::optional<std::string> best;
  for (const auto& t : tags) {
    if (std::find(except.begin(), except.end(), t) != except.end()) continue;
    const auto at = times.find(t);
    if (at == times.end()) continue;  // peels to no commit
    if (!best || at->second > times[*best] || (at->second == times[*best] && t > *best)) best = t;
  }
  std::string excepted;
  for (const auto& e : except) excepted += (excepted.empty() ? "" : ", ") + e;
  if (!best) {
    notes->push_back("no tag other than " + (excepted.empty() ? "none" : excepted));
    return false;
  }
  std::string note;
  if (!TryRef(repo, "refs/tags/" + *best, "tag", rev, &note)) {
    if (!note.empty()) notes->push_back(note);
    return false;
  }
  rev->ref = *best;
  rev->why = "the newest tag" + (excepted.empty() ? std::string() : " other than " + excepted);
  return true;
}

bool TryCandidate(git_repository* repo, const std::string& cand, Revision* rev,
                  std::vector<std::string>* notes) {
  *rev = Revision{};
  rev->ref = cand;
  std::string note;
  bool found = false;
  if (StartsWith(cand, kNewestTagExcept)) {
    return TryNewestTag(repo, cand.substr(std::string(kNewestTagExcept).size()), rev, notes);
  }
  if (cand == "HEAD") {
    found = TryRef(repo, "HEAD", "", rev, &note);
    // Name the branch HEAD stands for, as people know it.
    if (RefPtr head = LookupRef(repo, "HEAD")) {
      const std::string full = git_reference_name(head.get());
      if (StartsWith(full, "refs/heads/")) rev->ref = full.substr(11);
    }
  } else if (StartsWith(cand, "refs/")) {
    found = TryRef(repo, cand, "", rev, &note);
  } else {
    found = TryRef(repo, "refs/tags/" + cand, "tag", rev, &note) ||
            (note.empty() &&
             TryRef(repo, "refs/heads/" + cand, "branch", rev, &note));
  }
  if (!found && note.empty() && IsHexPrefix(cand)) {
    git_oid oid;
    git_object* raw = nullptr;
    if (git_oid_fromstrn(&oid, cand.c_str(), cand.size()) == 0) {
      const int rc = git_object_lookup_prefix(&raw, repo, &oid, cand.size(),
                                              GIT_OBJECT_ANY);
      if (rc == 0) {
        ObjectPtr obj(raw);
        rev->ref_kind = "commit";
        found = FillFromObject(obj.get(), rev, &note);
      } else if (rc == GIT_EAMBIGUOUS) {
        note = "'" + cand + "' is an ambiguous abbreviated object id";
      }
    }
  }
  if (!found && !note.empty()) notes->push_back(note);
  return found;
}

std::string NameList(std::vector<std::string> names, const char* what) {
  if (names.empty()) return std::string("no ") + what;
  std::sort(names.begin(), names.end());
  std::string out = std::string(what) + ": ";
  for (std::size_t i = 0; i < names.size() && i < kListMax; ++i) {
    out += (i ? ", " : "") + names[i];
  }
  if (names.size() > kListMax) {
    out += " (and " + std::to_string(names.size() - kListMax) + " more)";
  }
  return out;
}

std::vector<std::string> BranchNames(git_repository* repo) {
  std::vector<std::string> out;
  git_branch_iterator* raw = nullptr;
  if (git_branch_iterator_new(&raw, repo, GIT_BRANCH_LOCAL) != 0) return out;
  BranchIterPtr it(raw);
  git_reference* ref = nullptr;
  git_branch_t type;
  while (git_branch_next(&ref, &type, it.get()) == 0) {
    RefPtr owned(ref);
    const char* name = nullptr;
    if (git_branch_name(&name, owned.get()) == 0) out.push_back(name);
  }
  return out;
}

struct TagWalk {
  git_repository* repo;
  std::vector<std::string>* tags;
  std::map<std::string, std::int64_t>* times;
};

int OnTag(const char* name, git_oid* oid, void* payload) {
  auto* walk = static_cast<TagWalk*>(payload);
  std::string tag = name;
  if (StartsWith(tag, "refs/tags/")) tag.erase(0, 10);
  walk->tags->push_back(tag);
  git_object* raw = nullptr;
  if (git_object_lookup(&raw, walk->repo, oid, GIT_OBJECT_ANY) != 0) return 0;
  ObjectPtr obj(raw);
  Revision rev;
  std::string note;
  if (FillFromObject(obj.get(), &rev, &note)) {
    (*walk->times)[tag] = rev.tag_time ? *rev.tag_time : rev.commit_time;
  }
  return 0;
}

}  // namespace

bool ResolveRevision(git_repository* repo,
                     const std::vector<std::string>& candidates,
                     const std::string& where, Revision* out, FetchError* err) {
  std::vector<std::string> notes;
  for (const std::string& cand : candidates) {
    if (cand.empty()) continue;
    Revision rev;
    if (TryCandidate(repo, cand, &rev, &notes)) {
      if (rev.why.empty() && cand != candidates.front()) {
        // A fallback: say what was missing before it.
        rev.why = (notes.empty() ? "" : notes.back() + ", so ") +
                  (cand == "HEAD" ? "the default branch" : rev.ref_kind + " " + rev.ref);
      }
      *out = std::move(rev);
      return true;
    }
  }
  std::vector<std::string> tags;
  std::map<std::string, std::int64_t> unused;
  ListTags(repo, &tags, &unused);
  std::string tried;
  for (const std::string& c : candidates) {
    const std::string shown = StartsWith(c, kNewestTagExcept)
                                  ? "the newest tag other than " +
                                        c.substr(std::string(kNewestTagExcept).size())
                                  : c;
    tried += (tried.empty() ? "'" : ", '") + shown + "'";
  }
  err->kind = FetchErrorKind::kRefMissing;
  err->message = "none of the refs " +
                 (tried.empty() ? "(none given)" : tried) + " exists in " +
                 where + "; " + NameList(tags, "tags") + "; " +
                 NameList(BranchNames(repo), "branches");
  for (const std::string& n : notes) err->message += "; " + n;
  return false;
}

void ListTags(git_repository* repo, std::vector<std::string>* tags,
              std::map<std::string, std::int64_t>* times) {
  TagWalk walk{repo, tags, times};
  git_tag_foreach(repo, OnTag, &walk);
  std::sort(tags->begin(), tags->end());
}

}  // namespace ipc::fetch
