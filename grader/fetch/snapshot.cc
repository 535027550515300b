#include "fetch/snapshot.h"

#include <algorithm>
#include <set>
#include <vector>

#include "fetch/git_handles.h"
#include "util/tar.h"
#include "util/strings.h"

namespace ipc::fetch {
namespace {

constexpr std::uint64_t kMaxLinkTarget = 4095;  // PATH_MAX - 1 on Linux

// Why a tree entry name is refused, or "" if it is acceptable. git never
// writes these; a crafted tree (git hash-object --literally) can.
std::string HostileName(const std::string& name) {
  if (name.empty()) return "empty name";
  if (name == "." || name == "..") return "name is '" + name + "'";
  if (name.find('/') != std::string::npos) return "name contains '/'";
  std::string lower = name;
  for (char& c : lower)
    c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  if (lower == ".git") return "name is '.git' (any case)";
  return "";
}

struct Planned {
  std::string path;
  EntryType type;
  git_oid oid;
  std::uint64_t size = 0;
  bool fetch = true;  // false: listed in entries, kept out of files and tar
};

// First pass: headers only.
class Planner {
 public:
  Planner(git_repository* repo, git_odb* odb, const Caps& caps,
          std::vector<std::string>* refused)
      : repo_(repo), odb_(odb), caps_(caps), refused_(refused) {}

  bool Walk(const git_tree* tree, const std::string& prefix, int depth,
            FetchError* err) {
    std::set<std::string> seen;
    const std::size_t n = git_tree_entrycount(tree);
    for (std::size_t i = 0; i < n; ++i) {
      const git_tree_entry* e = git_tree_entry_byindex(tree, i);
      const std::string name = git_tree_entry_name(e);
      const std::string path = prefix + name;
      // Counted before anything else: a tree of a million refused names
      // must not grow `refused` without bound.
      if (++count_ > caps_.max_entries) {
        return TooLarge(
            err, "the tree has more than " + std::to_string(caps_.max_entries) +
                     " entries (cap max_entries); stopped at " + QuoteForMessage(path));
      }
      if (const std::string why = HostileName(name); !why.empty()) {
        refused_->push_back(QuoteForMessage(path) + ": " + why + "; not fetched");
        continue;
      }
      if (!seen.insert(name).second) {
        refused_->push_back(QuoteForMessage(path) + ": duplicate entry; not fetched");
        continue;
      }
      if (depth > caps_.max_depth) {
        return TooLarge(err, QuoteForMessage(path) + " is nested " +
                                 std::to_string(depth) +
                                 " levels deep (cap max_depth = " +
                                 std::to_string(caps_.max_depth) + ")");
      }
      if (!Add(e, path, depth, err)) return false;
    }
    return true;
  }

  std::vector<Planned>& plan() { return plan_; }

 private:
  static bool TooLarge(FetchError* err, std::string msg) {
    err->kind = FetchErrorKind::kTooLarge;
    err->message = std::move(msg);
    return false;
  }

  bool Add(const git_tree_entry* e, const std::string& path, int depth,
           FetchError* err) {
    const git_oid* oid = git_tree_entry_id(e);
    const git_filemode_t mode = git_tree_entry_filemode(e);
    Planned p{path, EntryType::kFile, *oid, 0, true};
    switch (mode) {
      case GIT_FILEMODE_TREE: {
        p.type = EntryType::kDir;
        plan_.push_back(p);
        git_tree* raw = nullptr;
        if (git_tree_lookup(&raw, repo_, oid) != 0) {
          err->kind = FetchErrorKind::kOther;
          err->message =
              "cannot read directory " + QuoteForMessage(path) + ": " + LastGitError();
          return false;
        }
        TreePtr sub(raw);
        return Walk(sub.get(), path + "/", depth + 1, err);
      }
      case GIT_FILEMODE_COMMIT:
        p.type = EntryType::kSubmodule;
        refused_->push_back(QuoteForMessage(path) + ": submodule (commit " + OidHex(oid) +
                            ") not fetched");
        plan_.push_back(p);
        return true;
      case GIT_FILEMODE_BLOB:
      case GIT_FILEMODE_BLOB_EXECUTABLE:
      case GIT_FILEMODE_LINK:
        break;
      default:
        refused_->push_back(QuoteForMessage(path) + ": unsupported file mode " +
                            std::to_string(static_cast<unsigned>(mode)) +
                            "; not fetched");
        return true;
    }
    p.type = mode == GIT_FILEMODE_LINK              ? EntryType::kSymlink
             : mode == GIT_FILEMODE_BLOB_EXECUTABLE ? EntryType::kExecutable
                                                    : EntryType::kFile;
    std::size_t len = 0;
    git_object_t type = GIT_OBJECT_INVALID;
    if (git_odb_read_header(&len, &type, odb_, oid) != 0) {
      err->kind = FetchErrorKind::kOther;
      err->message = "cannot read object " + OidHex(oid) + " of " +
                     QuoteForMessage(path) + ": " + LastGitError();
      return false;
    }
    if (type != GIT_OBJECT_BLOB) {
      refused_->push_back(QuoteForMessage(path) + ": is a " +
                          git_object_type2string(type) +
                          " where a file was expected; not fetched");
      return true;
    }
    p.size = len;
    if (p.type == EntryType::kSymlink && len > kMaxLinkTarget) {
      p.fetch = false;
      refused_->push_back(QuoteForMessage(path) + ": symlink target of " +
                          std::to_string(len) + " bytes; not fetched");
    } else if (p.type != EntryType::kSymlink && len > caps_.max_blob_bytes) {
      p.fetch = false;
      refused_->push_back(QuoteForMessage(path) + ": " + std::to_string(len) +
                          " bytes exceeds the cap max_blob_bytes = " +
                          std::to_string(caps_.max_blob_bytes) +
                          "; not fetched");
    } else {
      total_ += len;
      if (total_ > caps_.max_total_bytes) {
        return TooLarge(err, "the tree holds more than " +
                                 std::to_string(caps_.max_total_bytes) +
                                 " bytes (cap max_total_bytes); exceeded at " +
                                 QuoteForMessage(path));
      }
    }
    plan_.push_back(p);
    return true;
  }

  git_repository* repo_;
  git_odb* odb_;
  const Caps& caps_;
  std::vector<std::string>* refused_;
  std::vector<Planned> plan_;
  std::uint64_t count_ = 0;
  std::uint64_t total_ = 0;
};

bool ReadBlob(git_repository* repo, const Planned& p, std::string* out,
              FetchError* err) {
  git_blob* raw = nullptr;
  if (git_blob_lookup(&raw, repo, &p.oid) != 0) {
    err->kind = FetchErrorKind::kOther;
    err->message = "cannot read " + QuoteForMessage(p.path) + ": " + LastGitError();
    return false;
  }
  BlobPtr blob(raw);
  out->assign(static_cast<const char*>(git_blob_rawcontent(blob.get())),
              static_cast<std::size_t>(git_blob_rawsize(blob.get())));
  return true;
}

}  // namespace

bool BuildSnapshot(git_repository* repo, const git_oid& commit_id,
                   std::int64_t mtime, const Caps& caps, Snapshot* out,
                   FetchError* err) {
  git_commit* raw_commit = nullptr;
  if (git_commit_lookup(&raw_commit, repo, &commit_id) != 0) {
    err->kind = FetchErrorKind::kOther;
    err->message =
        "cannot read commit " + OidHex(&commit_id) + ": " + LastGitError();
    return false;
  }
  CommitPtr commit(raw_commit);
  git_tree* raw_tree = nullptr;
  const int tree_rc = git_commit_tree(&raw_tree, commit.get());
  TreePtr tree(raw_tree);
  git_odb* raw_odb = nullptr;
  const int odb_rc =
      tree_rc == 0 ? git_repository_odb(&raw_odb, repo) : tree_rc;
  OdbPtr odb(raw_odb);
  if (odb_rc != 0) {
    err->kind = FetchErrorKind::kOther;
    err->message = "cannot read the tree of commit " + OidHex(&commit_id) +
                   ": " + LastGitError();
    return false;
  }

  out->entries.clear();
  out->files.clear();
  out->refused.clear();
  Planner planner(repo, odb.get(), caps, &out->refused);
  if (!planner.Walk(tree.get(), "", 1, err)) return false;

  tar::Writer writer;
  writer.set_mtime(mtime);
  for (const Planned& p : planner.plan()) {
    out->entries.push_back(TreeEntry{p.path, p.type, p.size});
    if (!p.fetch) continue;
    std::string data;
    switch (p.type) {
      case EntryType::kDir:
      case EntryType::kSubmodule:
        writer.AddDir(p.path, 0755);
        break;
      case EntryType::kFile:
      case EntryType::kExecutable:
        if (!ReadBlob(repo, p, &data, err)) return false;
        writer.AddFile(p.path, data,
                       p.type == EntryType::kExecutable ? 0755 : 0644);
        out->files.emplace(p.path, std::move(data));
        break;
      case EntryType::kSymlink:
        // The target is data, stored as it is; nothing on the host ever
        // resolves it.
        if (!ReadBlob(repo, p, &data, err)) return false;
        if (data.empty() || data.find('\0') != std::string::npos) {
          out->refused.push_back(QuoteForMessage(p.path) +
                                 ": symlink target is empty or contains NUL;"
                                 " not fetched");
          break;
        }
        writer.AddSymlink(p.path, data);
        break;
    }
  }
  out->tar = writer.Finish();
  std::sort(
      out->entries.begin(), out->entries.end(),
      [](const TreeEntry& a, const TreeEntry& b) { return a.path < b.path; });
  return true;
}

}  // namespace ipc::fetch
