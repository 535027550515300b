// The image side of DockerCliRunner: EnsureImage and DeriveImage, the
// start-up image listing they resolve names from, rebuilding a derived
// image that vanished, pruning other builds' derived images; plus the pure
// pieces (content hash, tar stream, listing parser, prune choice).
#include "container/image_cache.h"
#include "container/owner.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>
#include <sstream>
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
constexpr auto kRemoveDeadline = 60s;
// Like the engine check's: the listing runs beside it (see StartListing).
constexpr auto kListingDeadline = 10s;

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

// `image inspect` of one reference: its id on stdout when it exists.
ProcessResult InspectImage(const EngineCli& cli, const std::string& reference) {
  return cli.Run({"image", "inspect", "--format", "{{.Id}}", reference}, kInspectDeadline);
}

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The tag of "repo:tag"; "" when the reference has none (the ':' of a
// registry port, "host:5000/repo", comes before the last '/').
std::string_view TagOf(std::string_view reference) {
  const auto colon = reference.rfind(':');
  const auto slash = reference.rfind('/');
  if (colon == std::string_view::npos || (slash != std::string_view::npos && colon < slash)) {
    return {};
  }
  return reference.substr(colon + 1);
}

}  // namespace

bool SaysNoSuchImage(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // docker: "No such image: x" (run --pull never, image inspect), "Unable
  // to find image 'x' locally" (a run that may pull); podman: "x: image
  // not known".
  return text.find("no such image") != std::string::npos ||
         text.find("unable to find image") != std::string::npos ||
         text.find("image not known") != std::string::npos;
}

std::vector<std::string> ImageListArgs() {
  return {"image", "ls", "--no-trunc", "--format", "{{.ID}}\t{{.Repository}}\t{{.Tag}}"};
}

std::vector<ListedImage> ParseImageList(const std::string& text) {
  std::vector<ListedImage> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto first = line.find('\t');
    const auto second = first == std::string::npos ? first : line.find('\t', first + 1);
    if (second == std::string::npos) continue;
    ListedImage image{line.substr(0, first), line.substr(first + 1, second - first - 1),
                      Trim(line.substr(second + 1))};
    if (image.id.empty() || image.repository.empty() || image.tag.empty()) continue;
    out.push_back(std::move(image));
  }
  return out;
}

std::string LookUpListed(const std::vector<ListedImage>& images, const std::string& reference) {
  if (reference.empty() || reference.find('@') != std::string::npos) return "";
  // A full id, with or without its algorithm. (A short id could be the
  // prefix of several; the engine resolves those.)
  const std::string_view hex = std::string_view(reference).starts_with("sha256:")
                                   ? std::string_view(reference).substr(7)
                                   : std::string_view(reference);
  if (hex.size() == 64 && IsHex(hex)) {
    for (const ListedImage& image : images) {
      if (image.id == "sha256:" + std::string(hex)) return image.id;
    }
    return "";
  }
  std::string repository = reference;
  std::string tag = "latest";
  if (const std::string_view t = TagOf(reference); !t.empty()) {
    tag = std::string(t);
    repository.resize(reference.size() - t.size() - 1);
  }
  for (const ListedImage& image : images) {
    if (image.repository == repository && image.tag == tag) return image.id;
  }
  return "";
}

bool IsDerivedRepository(const std::string& repository) {
  return repository == kDerivedRepo || repository == std::string("localhost/") + kDerivedRepo;
}

std::vector<std::string> PruneCandidates(const std::vector<ListedImage>& images,
                                         const std::vector<std::string>& keep_tags,
                                         const std::string& tag_prefix) {
  const std::set<std::string> keep(keep_tags.begin(), keep_tags.end());
  std::set<std::string> kept_ids;
  for (const ListedImage& image : images) {
    if (IsDerivedRepository(image.repository) && keep.count(image.tag)) kept_ids.insert(image.id);
  }
  std::vector<std::string> out;
  for (const ListedImage& image : images) {
    if (!IsDerivedRepository(image.repository) || keep.count(image.tag) ||
        kept_ids.count(image.id) || !image.tag.starts_with(tag_prefix) || image.tag == "<none>") {
      continue;
    }
    out.push_back(image.repository + ":" + image.tag);
  }
  return out;
}

std::string DeriveHash(const std::string& base_id,
                       const std::map<std::string, std::string>& files_by_path) {
  // Each field is length-prefixed: ("ab","c") and ("a","bc") differ. Fed to
  // the hash piece by piece: joining the ~16 MB of tools into one buffer first
  // cost more than hashing them (fresh pages fault dearly on a VM).
  Sha256 hash;
  const auto put = [&](std::string_view field) {
    hash.Update(std::to_string(field.size()) + ":");
    hash.Update(field);
  };
  put("ipc-grader-derive-v1");  // bump when the image layout changes
  put(base_id);
  for (const auto& [path, data] : files_by_path) {
    put(path);
    put(std::to_string(kDerivedFileMode));
    put(data);
  }
  return hash.HexDigest().substr(0, 16);
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

void DockerCliRunner::StartListing() {
  std::lock_guard lock(images_mu_);
  if (listing_started_) return;
  listing_started_ = true;
  // Bounded like the engine check it runs beside: a hung engine fails that
  // check, and the destructor waits for this call no longer than for it.
  listing_call_ = std::async(std::launch::async,
                             [this] { return cli_.Run(ImageListArgs(), kListingDeadline); });
}

const std::vector<ListedImage>* DockerCliRunner::ListingLocked() {
  if (listing_call_.valid()) {
    const ProcessResult r = listing_call_.get();
    if (r.Succeeded()) listing_ = ParseImageList(r.stdout_data);
  }
  return listing_ ? &*listing_ : nullptr;
}

std::string DockerCliRunner::KnownId(const std::string& reference) {
  std::lock_guard lock(images_mu_);
  if (const auto it = resolved_.find(reference); it != resolved_.end()) return it->second;
  // Only docker's listing: its ids are exactly what `image inspect` gives,
  // and the derived image's name hashes the id. (podman's were not
  // checked; it asks the engine per name, as before.)
  if (cli_.engine() != "docker") return "";
  const std::vector<ListedImage>* listing = ListingLocked();
  if (listing == nullptr) return "";
  const std::string id = LookUpListed(*listing, reference);
  if (!id.empty()) {
    resolved_[reference] = id;
    resolved_[id] = id;
  }
  return id;
}

void DockerCliRunner::Remember(const std::string& reference, const std::string& id) {
  std::lock_guard lock(images_mu_);
  resolved_[reference] = id;
  resolved_[id] = id;
}

std::string DockerCliRunner::EnsureImage(const std::string& image) {
  if (!cli_.installed()) throw Fatal(NotInstalledMessage(cli_.engine(), cli_.binary()));
  if (image.empty() || image.front() == '-') Fail("invalid image reference '" + image + "'");
  // Resolved before (DeriveImage re-ensures the id PrepareImage got), or
  // in the start-up listing: no CLI run.
  if (std::string id = KnownId(image); !id.empty()) return id;
  const auto found = [&](const ProcessResult& r) {
    std::string id = Trim(r.stdout_data);
    Remember(image, id);
    return id;
  };
  ProcessResult r = InspectImage(cli_, image);
  if (r.Succeeded()) return found(r);
  if (ClassifyEngineProblem(r) != EngineProblem::kOther) {
    Fail(EngineFailureMessage(cli_.engine(), cli_.binary(), r));
  }
  const ProcessResult pull = cli_.Run({"pull", image}, kPullDeadline);
  if (pull.Succeeded()) {
    r = InspectImage(cli_, image);
    if (r.Succeeded()) return found(r);
  }
  Fail("image '" + image + "' is not available: it is not present locally and '" +
       cli_.engine() + " pull " + image + "' failed (" + CliErrorText(pull) +
       "). Fix: run scripts/setup.sh, which pulls the course's images when a registry "
       "answers and otherwise builds their local stand-ins (the rubric's image_fallbacks); "
       "or pass another image with --image (or load the image yourself with '" +
       cli_.engine() + " load').");
  return "";  // not reached
}

std::string DockerCliRunner::DeriveImage(const std::string& base,
                                         std::map<std::string, std::string> files_by_path) {
  // Serialised within this process. Across grader processes the tag is
  // idempotent: both commit identical content under the same tag.
  std::lock_guard lock(derive_mu_);
  const std::string base_id = EnsureImage(base);
  const std::string tag = std::string(kDerivedRepo) + ":" + DeriveHash(base_id, files_by_path);
  const std::map<std::string, std::string>* files = nullptr;
  {
    // Kept so that Run can build it again should it vanish (see Rederive),
    // and so that pruning never picks it. Moved in, not copied: ~16 MB of
    // fresh pages. Recipes are never removed, so `files` stays valid.
    std::lock_guard images(images_mu_);
    auto it = derived_.find(tag);
    if (it == derived_.end()) {
      it = derived_.emplace(tag, Recipe{base, base_id, std::move(files_by_path)}).first;
    }
    files = &it->second.files;
  }
  if (KnownId(tag).empty() && !InspectImage(cli_, tag).Succeeded()) {
    BuildDerived(tag, base, base_id, *files);
  }
  StartPrune();
  return tag;
}

void DockerCliRunner::BuildDerived(const std::string& tag, const std::string& base,
                                   const std::string& base_id,
                                   const std::map<std::string, std::string>& files_by_path) {
  const std::string archive = BuildDeriveTar(files_by_path);
  const std::string name = kDeriveNamePrefix + tag.substr(tag.find(':') + 1) + "-" + RandomHex(4);
  if (!Track(name)) throw Error("not deriving " + tag + ": the grader is shutting down");
  ScopeExit remove([&] { Remove(name); });

  const auto step = [&](std::vector<std::string> args, std::string stdin_data) {
    const std::string what = cli_.engine() + " " + args.front();
    ProcessResult r = cli_.Run(std::move(args), kDeriveStepDeadline, std::move(stdin_data));
    if (!r.Succeeded()) {
      Fail("cannot build image " + tag + " from " + base + ": '" + what + "' failed (" +
           CliErrorText(r) + "). Fix: check the engine with '" + cli_.engine() +
           " info' and its free disk space; scripts/setup.sh restarts a local engine.");
    }
    return r;
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
  const ProcessResult commit =
      step({"commit", "--change", std::string("LABEL ") + kOwnerLabel + "=\"\"", name, tag}, {});
  // `commit` prints the new image's id: a later DeriveImage of the same
  // content then asks nothing.
  if (const std::string id = Trim(commit.stdout_data); !id.empty()) Remember(tag, id);
}

bool DockerCliRunner::Rederive(const std::string& image) {
  std::lock_guard lock(derive_mu_);
  Recipe recipe;
  {
    std::lock_guard images(images_mu_);
    const auto it = derived_.find(image);
    if (it == derived_.end()) return false;  // not ours to rebuild
    recipe = it->second;
    resolved_.erase(image);
  }
  // Several runs of a batch fail at once: the first rebuilds, the others
  // find it here.
  if (InspectImage(cli_, image).Succeeded()) return true;
  try {
    BuildDerived(image, recipe.base, recipe.base_id, recipe.files);
  } catch (const std::exception&) {
    return false;  // the run's own "No such image" failure stands
  }
  return true;
}

void DockerCliRunner::StartPrune() {
  // Caller holds derive_mu_. Once per runner: a grader uses one image.
  if (!policy_.prune || prune_started_) return;
  {
    std::lock_guard lock(live_mu_);
    if (shutting_down_) return;
  }
  prune_started_ = true;
  // Off the critical path: the first run does not wait for it. With no
  // other derived image (the usual case) it runs no CLI at all.
  prune_ = std::thread([this] { Prune(); });
}

void DockerCliRunner::Prune() {
  std::vector<std::string> doomed;
  {
    std::unique_lock lock(images_mu_);
    std::optional<std::vector<ListedImage>> own;
    const std::vector<ListedImage>* listing = ListingLocked();
    if (listing == nullptr) {  // no CheckEngine, or its listing failed
      lock.unlock();
      const ProcessResult r = cli_.Run(ImageListArgs(), kListingDeadline);
      if (!r.Succeeded()) return;
      own = ParseImageList(r.stdout_data);
      lock.lock();
      listing = &*own;
    }
    // Ours, and a derived tag this runner resolved by name: a grading image
    // given as --image ipc-grader/run:... is still wanted.
    std::vector<std::string> keep_tags;
    for (const auto& [tag, recipe] : derived_) keep_tags.emplace_back(TagOf(tag));
    for (const auto& [reference, id] : resolved_) {
      const std::string_view tag = TagOf(reference);
      if (!tag.empty() &&
          IsDerivedRepository(reference.substr(0, reference.size() - tag.size() - 1))) {
        keep_tags.emplace_back(tag);
      }
    }
    doomed = PruneCandidates(*listing, keep_tags, policy_.tag_prefix);
    // Forget them now, so that a later DeriveImage of one of them asks the
    // engine instead of trusting the listing.
    if (listing_) {
      std::erase_if(*listing_, [&](const ListedImage& image) {
        return std::find(doomed.begin(), doomed.end(), image.repository + ":" + image.tag) !=
               doomed.end();
      });
    }
    for (const std::string& tag : doomed) resolved_.erase(tag);
  }
  if (doomed.empty()) return;
  std::vector<std::string> args = {"rmi"};
  args.insert(args.end(), doomed.begin(), doomed.end());
  // Without -f the engine refuses a tag whose image a container (running
  // or stopped) uses, and goes on with the others: that refusal is the
  // guard, so the failure is expected and ignored. Removing a tag that
  // shares its image with another tag only untags it.
  cli_.Run(std::move(args), kRemoveDeadline);
}

void DockerCliRunner::FinishBackgroundWork() {
  std::lock_guard lock(derive_mu_);
  if (prune_.joinable()) prune_.join();
  std::lock_guard images(images_mu_);
  if (listing_call_.valid()) listing_call_.wait();
}

}  // namespace ipc::container
