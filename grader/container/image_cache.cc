// EnsureImage and DeriveImage of DockerCliRunner, plus the pure pieces
// (content hash, tar stream) they are built from.
#include "container/image_cache.h"
#include "container/owner.h"

#include <algorithm>
#include <chrono>
#include <string_view>
#include <vector>

#include "container/docker_cli_runner.h"
#include "container/owner.h"
#include "container/run_args.h"
#include "container/scope_exit.h"
#include "util/error.h"
#include "util/sha256.h"
#include "util/tar.h"

namespace ipc::container {
namespace {

using namespace std::chrono_literals;

constexpr auto kInspectDeadline = 30s;
constexpr auto kPullDeadline = 120s;
constexpr auto kDeriveStepDeadline = 120s;

// "opt/ipc-grader/probe" for "/opt/ipc-grader/probe"; "" when unusable.
std::string RelativeEntry(const std::string& path) {
  if (path.empty() || path.front() != '/') return "";
  std::string rel = path.substr(1);
  std::size_t start = 0;
  while (start <= rel.size()) {
    const std::size_t end = std::min(rel.find('/', start), rel.size());
    const std::string_view part(rel.data() + start, end - start);
    if (part.empty() || part == "." || part == "..") return "";
    start = end + 1;
  }
  return rel;
}

void Fail(std::string message) { throw Fatal(std::move(message)); }

}  // namespace

std::string DeriveHash(const std::string& base_id,
                       const std::map<std::string, std::string>& files_by_path) {
  // Each field is length-prefixed: ("ab","c") and ("a","bc") differ.
  std::string input;
  const auto put = [&](std::string_view field) {
    input += std::to_string(field.size());
    input += ':';
    input += field;
  };
  put("ipc-grader-derive-v1");  // bump when the image layout changes
  put(base_id);
  for (const auto& [path, data] : files_by_path) {
    put(path);
    put(std::to_string(kDerivedFileMode));
    put(data);
  }
  return Sha256Hex(input).substr(0, 16);
}

std::string BuildDeriveTar(const std::map<std::string, std::string>& files_by_path) {
  tar::Writer writer;
  for (const auto& [path, data] : files_by_path) {
    const std::string rel = RelativeEntry(path);
    if (rel.empty()) {
      throw Error("file for the derived image '" + path +
                  "': expected an absolute path without empty, '.' or '..' components");
    }
    // No directory entries: `docker cp` creates missing parents (root,
    // 0755), and an entry for an existing directory such as /usr would
    // overwrite its mode and owner.
    writer.AddFile(rel, data, kDerivedFileMode);
  }
  return writer.Finish();
}

std::string DockerCliRunner::EnsureImage(const std::string& image) {
  if (!cli_.installed()) throw Fatal(NotInstalledMessage(cli_.engine(), cli_.binary()));
  if (image.empty() || image.front() == '-') Fail("invalid image reference '" + image + "'");
  const auto inspect = [&] {
    return cli_.Run({"image", "inspect", "--format", "{{.Id}}", image}, kInspectDeadline);
  };
  ProcessResult r = inspect();
  if (r.Succeeded()) return Trim(r.stdout_data);
  if (ClassifyEngineProblem(r) != EngineProblem::kOther) {
    Fail(EngineFailureMessage(cli_.engine(), cli_.binary(), r));
  }
  const ProcessResult pull = cli_.Run({"pull", image}, kPullDeadline);
  if (pull.Succeeded()) {
    r = inspect();
    if (r.Succeeded()) return Trim(r.stdout_data);
  }
  Fail("image '" + image + "' is not available: it is not present locally and '" +
       cli_.engine() + " pull " + image + "' failed (" + CliErrorText(pull) +
       "). Fix: run scripts/setup.sh, which pulls it when a registry answers and otherwise "
       "builds the local stand-in ipc-grader/python:bookworm; then pass --image "
       "ipc-grader/python:bookworm (or load the image yourself with '" +
       cli_.engine() + " load').");
  return "";  // not reached
}

std::string DockerCliRunner::DeriveImage(
    const std::string& base, const std::map<std::string, std::string>& files_by_path) {
  // Serialised within this process. Across grader processes the tag is
  // idempotent: both commit identical content under the same tag.
  std::lock_guard lock(derive_mu_);
  const std::string base_id = EnsureImage(base);
  const std::string tag = std::string(kDerivedRepo) + ":" + DeriveHash(base_id, files_by_path);
  if (cli_.Run({"image", "inspect", "--format", "{{.Id}}", tag}, kInspectDeadline).Succeeded()) {
    return tag;
  }
  const std::string archive = BuildDeriveTar(files_by_path);
  const std::string name = kDeriveNamePrefix + tag.substr(tag.find(':') + 1) + "-" + RandomHex(4);
  if (!Track(name)) throw Error("not deriving " + tag + ": the grader is shutting down");
  ScopeExit remove([&] { Remove(name); });

  const auto step = [&](std::vector<std::string> args, std::string stdin_data) {
    const std::string what = cli_.engine() + " " + args.front();
    const ProcessResult r = cli_.Run(std::move(args), kDeriveStepDeadline, std::move(stdin_data));
    if (!r.Succeeded()) {
      Fail("cannot build image " + tag + " from " + base + ": '" + what + "' failed (" +
           CliErrorText(r) + "). Fix: check the engine with '" + cli_.engine() +
           " info' and its free disk space; scripts/setup.sh restarts a local engine.");
    }
  };
  // Never started: `true` is only there because imported images have no
  // default command and `create` insists on one. The committed image keeps
  // Cmd ["true"]; every Run names its command.
  // The owner label tells a concurrent grader's ReapLeftovers that this
  // not-yet-committed container is in use; the commit blanks it so run
  // containers carry only their own owner's.
  step({"create", "--name", name, "--label", std::string(kOwnerLabel) + "=" + SelfOwnerId(),
        "--network", "none", base_id, "true"},
       {});
  // Streamed, not bind-mounted: paths on the grader's side mean nothing to
  // an engine reached through a socket from inside another container.
  step({"cp", "-", name + ":/"}, archive);
  step({"commit", "--change", std::string("LABEL ") + kOwnerLabel + "=\"\"", name, tag}, {});
  return tag;
}

}  // namespace ipc::container
