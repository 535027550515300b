#include "probe/sandbox.h"

#include <sys/stat.h>

#include <cerrno>

#include "probe/fd.h"
#include "probe/fs_ops.h"
#include "protocol/probe_protocol.h"

namespace ipc::probe {
bool MakeDirs(const std::string& path, unsigned mode, std::string* err) {
  for (std::size_t at = 1; at <= path.size(); ++at) {
    if (at != path.size() && path[at] != '/') continue;
    const std::string prefix = path.substr(0, at);
    if (::mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) {
      *err = "cannot create '" + prefix + "': " + ErrnoText(errno);
      return false;
    }
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    *err = "'" + path + "' is not a directory";
    return false;
  }
  return true;
}

std::string MakeSandbox(const std::string& workdir, const std::string& root,
                        const std::string& name, std::string* err) {
  if (!MakeDirs(root, 0755, err)) return "";
  ::chmod(root.c_str(), 0755);
  const std::string dest = root + "/" + name;
  std::string why;
  if (!RemoveTree(dest, &why)) {
    *err = "cannot remove the old sandbox '" + dest + "': " + why;
    return "";
  }
  if (!CopyTree(workdir, dest, &why)) {
    *err = "cannot copy '" + workdir + "' to '" + dest + "': " + why;
    return "";
  }
  return dest;
}

std::string SandboxMaker::Build(const std::string& name, const std::string& from,
                                const std::string& copy_of, std::string* err) const {
  if (from.empty()) return MakeSandbox(copy_of, paths_.root, name, err);
  if (!MakeDirs(paths_.root, 0755, err)) return "";
  const std::string* tar = nullptr;
  if (from == protocol::kSandboxFromPristine) {
    tar = &trees_->main;
  } else if (const auto tree = protocol::TreeOfSandboxFrom(from)) {
    auto it = trees_->extra.find(*tree);
    if (it != trees_->extra.end()) tar = &it->second;
  }
  if (tar == nullptr) {
    *err = "no tree for sandbox_from '" + from + "'";
    return "";
  }
  const std::string dest = paths_.root + "/" + name;
  if (!ExtractFresh(*tar, dest, paths_.limits, err)) return "";
  return dest;
}

std::string SandboxMaker::Make(const std::string& name, const std::string& from,
                               bool for_retries, std::string* err) {
  from_[name] = from;
  if (from.empty() && for_retries) {
    const std::string saved = MakeSandbox(workdir_, paths_.template_root, name, err);
    if (saved.empty()) return "";
    template_[name] = saved;
    return Build(name, from, saved, err);
  }
  return Build(name, from, workdir_, err);
}

std::string SandboxMaker::Remake(const std::string& name, std::string* err) const {
  auto from = from_.find(name);
  if (from == from_.end()) {
    *err = "sandbox '" + name + "' was never made";
    return "";
  }
  auto saved = template_.find(name);
  return Build(name, from->second, saved == template_.end() ? workdir_ : saved->second, err);
}

}  // namespace ipc::probe
