#include "fetch/mirror.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <thread>

#include "fetch/net_watch.h"
#include "util/sha256.h"

namespace ipc::fetch {
namespace {

constexpr const char* kRemote = "origin";
constexpr const char* kHeadsSpec = "+refs/heads/*:refs/heads/*";
constexpr const char* kTagsSpec = "+refs/tags/*:refs/tags/*";
// libgit2 asks again after every refusal; past this many calls in one
// fetch we stop answering (the callback-forever loop).
constexpr int kMaxCredentialCalls = 6;

std::string Env(const std::string& name) {
  if (name.empty()) return "";
  const char* v = std::getenv(name.c_str());
  return v != nullptr ? v : "";
}

// Payload of every remote callback of one fetch.
struct CallbackState {
  const Source* src = nullptr;
  const FetchRequest* req = nullptr;
  NetWatch* watch = nullptr;
  int credential_calls = 0;
  int userpass_attempts = 0;
  int key_attempts = 0;
  bool timed_out = false;
  bool too_big = false;
  std::string auth_failure;  // set when we refused to go on
};

int GiveUpAuth(CallbackState* st, std::string why) {
  st->auth_failure = std::move(why);
  git_error_set_str(GIT_ERROR_NET, st->auth_failure.c_str());
  return GIT_EAUTH;
}

int CheckDeadline(CallbackState* st) {
  if (!st->watch->Expired()) return 0;
  st->timed_out = true;
  git_error_set_str(GIT_ERROR_NET, "fetch deadline reached");
  return -1;
}

int OnCredentials(git_credential** out, const char* /*url*/,
                  const char* user_from_url, unsigned int allowed,
                  void* payload) {
  auto* st = static_cast<CallbackState*>(payload);
  if (CheckDeadline(st) != 0) return -1;
  const Credentials& c = st->req->credentials;
  if (++st->credential_calls > kMaxCredentialCalls) {
    return GiveUpAuth(st, "authentication refused after " +
                              std::to_string(kMaxCredentialCalls) +
                              " attempts");
  }
  const std::string url_user = user_from_url != nullptr && *user_from_url
                                   ? user_from_url
                                   : st->src->user;
  if (allowed & GIT_CREDENTIAL_USERNAME) {
    // ssh asks for the user name first when the URL has none.
    return git_credential_username_new(
        out, url_user.empty() ? "git" : url_user.c_str());
  }
  if (allowed & GIT_CREDENTIAL_SSH_KEY) {
    const std::string user = url_user.empty() ? "git" : url_user;
    if (++st->key_attempts > 1) {
      return GiveUpAuth(
          st, "ssh authentication refused for user '" + user + "' (key " +
                  (c.ssh_key.empty() ? "from ssh-agent" : c.ssh_key) +
                  " not accepted)");
    }
    if (!c.ssh_key.empty()) {
      const std::string pass = Env(c.ssh_passphrase_env);
      return git_credential_ssh_key_new(
          out, user.c_str(),
          c.ssh_pubkey.empty() ? nullptr : c.ssh_pubkey.c_str(),
          c.ssh_key.c_str(), pass.empty() ? nullptr : pass.c_str());
    }
    if (Env("SSH_AUTH_SOCK").empty()) {
      return GiveUpAuth(st,
                        "the ssh server wants a key, but no key file is "
                        "configured and no ssh-agent is running "
                        "(SSH_AUTH_SOCK is unset); start ssh-agent and "
                        "ssh-add the key, or configure a key file");
    }
    return git_credential_ssh_key_from_agent(out, user.c_str());
  }
  if (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) {
    const std::string token =
        !st->src->password.empty() ? st->src->password : Env(c.token_env);
    if (token.empty()) {
      return GiveUpAuth(st,
                        "the server asks for credentials, but the "
                        "environment variable " +
                            c.token_env +
                            " is not set; export a token with read access "
                            "(GitLab: read_repository scope) in it");
    }
    // libgit2 only calls again when the server rejected what we sent.
    if (++st->userpass_attempts > 1) {
      return GiveUpAuth(st,
                        "the server refused the credentials (HTTP 401); "
                        "check the token in " +
                            c.token_env + " and its access to this repository");
    }
    const std::string user =
        !st->src->user.empty() ? st->src->user : c.token_user;
    return git_credential_userpass_plaintext_new(out, user.c_str(),
                                                 token.c_str());
  }
  return GiveUpAuth(st,
                    "the server offers no authentication method the "
                    "grader supports");
}

int OnTransfer(const git_indexer_progress* stats, void* payload) {
  auto* st = static_cast<CallbackState*>(payload);
  if (CheckDeadline(st) != 0) return -1;
  const std::uint64_t cap = st->req->caps.max_download_bytes;
  if (cap != 0 && stats->received_bytes > cap) {
    st->too_big = true;
    git_error_set_str(GIT_ERROR_NET, "download cap exceeded");
    return -1;
  }
  return 0;
}

int OnSideband(const char* /*str*/, int /*len*/, void* payload) {
  return CheckDeadline(static_cast<CallbackState*>(payload));
}

bool Contains(const std::string& haystack, const char* needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// Turns a failed libgit2 network call into a FetchError. Text matching is
// a last resort: libgit2 1.5 reports HTTP statuses and remote errors only
// as text (GIT_ERROR_HTTP / GIT_ERROR_NET with codes -1).
FetchError Classify(int rc, const CallbackState& st, const Source& src,
                    double timeout_s) {
  const git_error* e = git_error_last();
  const std::string msg =
      e != nullptr && e->message ? e->message : "unknown error";
  const int klass = e != nullptr ? e->klass : GIT_ERROR_NONE;
  const std::string low = Lower(msg);
  const std::string head = "cannot fetch " + src.display + ": ";
  FetchError err;
  if (st.timed_out || st.watch->Expired()) {
    err.kind = FetchErrorKind::kUnreachable;
    char secs[32];
    std::snprintf(secs, sizeof(secs), "%g", timeout_s);
    err.message = head + "no answer within the " + secs + " s fetch timeout (" +
                  msg + ")";
  } else if (st.too_big) {
    err.kind = FetchErrorKind::kTooLarge;
    err.message = head + "the download exceeds the cap max_download_bytes = " +
                  std::to_string(st.req->caps.max_download_bytes);
  } else if (!st.auth_failure.empty()) {
    err.kind = FetchErrorKind::kAuth;
    err.message = head + st.auth_failure;
  } else if (rc == GIT_EAUTH || Contains(low, "status code: 401") ||
             Contains(low, "status code: 403") ||
             Contains(low, "authentication") ||
             Contains(low, "permission denied")) {
    err.kind = FetchErrorKind::kAuth;
    err.message = head + "authentication refused: " + msg;
  } else if (src.transport == Transport::kSsh &&
             (rc == GIT_ECERTIFICATE || Contains(low, "hostkey") ||
              Contains(low, "host key"))) {
    // libgit2 1.5.1 checks the host key against ~/.ssh/known_hosts of the
    // HOME it saw at start-up (CVE-2023-22742 fix) and says only "invalid
    // or unknown remote ssh hostkey"; never retried: it is not a blip.
    const std::string home = Env("HOME");
    err.kind = FetchErrorKind::kOther;
    err.message = head + "the ssh server's host key is not in " +
                  (home.empty() ? "~" : home) +
                  "/.ssh/known_hosts, or differs from the key listed there (" +
                  msg +
                  "). Fix: check the key's fingerprint with the server's "
                  "admin, then add it, e.g. `ssh-keyscan -p PORT HOST >> "
                  "~/.ssh/known_hosts`";
  } else if (rc == GIT_ECERTIFICATE || klass == GIT_ERROR_SSL) {
    err.kind = FetchErrorKind::kOther;
    err.message = head + "TLS problem: " + msg +
                  " (is the server certificate signed by a CA in "
                  "/etc/ssl/certs?)";
  } else if (Contains(low, "status code: 404") || Contains(low, "not found") ||
             Contains(low, "does not appear to be a git repository") ||
             Contains(low, "not exported") ||
             Contains(low, "could not find repository") ||
             Contains(low, "no such repository") ||
             Contains(low, "no such file or directory")) {
    err.kind = FetchErrorKind::kNotARepository;
    err.message = head + "no repository there: " + msg;
  } else if (klass == GIT_ERROR_NET || klass == GIT_ERROR_SSH ||
             klass == GIT_ERROR_HTTP || klass == GIT_ERROR_OS) {
    err.kind = FetchErrorKind::kUnreachable;
    err.message = head + msg;
  } else {
    err.kind = FetchErrorKind::kOther;
    err.message = head + msg;
  }
  return err;
}

}  // namespace

bool CheckLocalSource(const Source& src, FetchError* err) {
  struct stat st;
  if (::stat(src.local_path.c_str(), &st) != 0) {
    err->kind = FetchErrorKind::kNotARepository;
    err->message = "cannot fetch " + src.display + ": '" + src.local_path +
                   "': " + std::strerror(errno);
    return false;
  }
  git_repository* raw = nullptr;
  const int rc = git_repository_open_ext(
      &raw, src.local_path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr);
  RepoPtr repo(raw);
  if (rc == GIT_EOWNER) {
    err->kind = FetchErrorKind::kOther;
    err->message = "cannot fetch " + src.display + ": " + LastGitError() +
                   "; if you trust it, run: git config --global --add "
                   "safe.directory '" +
                   src.local_path + "'";
    return false;
  }
  if (rc != 0) {
    err->kind = FetchErrorKind::kNotARepository;
    err->message = "cannot fetch " + src.display + ": '" + src.local_path +
                   "' is not a git repository";
    return false;
  }
  return true;
}

namespace {

// Creates the bare repository and its remote on first use (*created tells);
// repairs the remote if an earlier run died between the two steps.
bool OpenOrInit(const Source& src, const std::string& dir, RepoPtr* repo,
                bool* created, FetchError* err) {
  *repo = OpenMirror(dir);
  *created = !*repo;
  if (!*repo) {
    git_repository_init_options opts = GIT_REPOSITORY_INIT_OPTIONS_INIT;
    // No external templates: nothing (not even sample hooks) is copied in.
    opts.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH;
    git_repository* raw = nullptr;
    if (git_repository_init_ext(&raw, dir.c_str(), &opts) != 0) {
      err->kind = FetchErrorKind::kOther;
      err->message = "cannot create the cache mirror '" + dir +
                     "': " + LastGitError() + " (remove it if it is damaged)";
      return false;
    }
    repo->reset(raw);
  }
  // The remote is written to the config for people who inspect the cache
  // (`git -C <mirror> fetch` works); fetches use an in-memory remote (see
  // Download). Plain key lookups only: libgit2 1.5 leaks pcre2 match data
  // on every regex config search (fixed upstream in libgit2 PR #6382, 1.6),
  // which git_remote_lookup does several times.
  git_config* raw_cfg = nullptr;
  int rc = git_repository_config(&raw_cfg, repo->get());
  ConfigPtr cfg(raw_cfg);
  GitBuf url;
  if (rc == 0) {
    rc = git_config_get_string_buf(&url.buf, cfg.get(), "remote.origin.url");
    if (rc == 0 && url.str() != src.url) {
      rc = git_config_set_string(cfg.get(), "remote.origin.url",
                                 src.url.c_str());
    } else if (rc == GIT_ENOTFOUND) {
      git_remote* raw_remote = nullptr;
      rc = git_remote_create_with_fetchspec(&raw_remote, repo->get(), kRemote,
                                            src.url.c_str(), kHeadsSpec);
      RemotePtr remote(raw_remote);
      if (rc == 0) rc = git_remote_add_fetch(repo->get(), kRemote, kTagsSpec);
    }
  }
  if (rc != 0) {
    err->kind = FetchErrorKind::kOther;
    err->message =
        "cannot configure the cache mirror '" + dir + "': " + LastGitError();
    return false;
  }
  return true;
}

}  // namespace

std::string MirrorDir(const std::string& cache_dir, const Source& src) {
  return cache_dir + "/" + Sha256Hex(src.cache_key).substr(0, 16) + "-" +
         SafeFileName(src.student.empty() ? "repo" : src.student);
}

CacheLock::~CacheLock() { Release(); }

bool CacheLock::Acquire(const std::string& path, bool exclusive,
                        std::string* why) {
  Release();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    *why = "cannot open lock file '" + path + "': " + std::strerror(errno);
    return false;
  }
  while (::flock(fd_, exclusive ? LOCK_EX : LOCK_SH) != 0) {
    if (errno == EINTR) continue;
    *why = "cannot lock '" + path + "': " + std::strerror(errno);
    Release();
    return false;
  }
  return true;
}

void CacheLock::Release() {
  if (fd_ >= 0) ::close(fd_);  // closing drops the flock
  fd_ = -1;
}

RepoPtr OpenMirror(const std::string& dir) {
  git_repository* raw = nullptr;
  if (git_repository_open_ext(
          &raw, dir.c_str(),
          GIT_REPOSITORY_OPEN_NO_SEARCH | GIT_REPOSITORY_OPEN_BARE,
          nullptr) != 0) {
    return nullptr;
  }
  return RepoPtr(raw);
}

namespace {

// One attempt. `watch` (the deadline of the whole fetch) is the caller's
// and outlives every stream the remote below owns.
bool Download(const Source& src, const FetchRequest& req,
              const std::string& dir, git_repository* repo, NetWatch* watch,
              double timeout_s, FetchError* err) {
  ScopedNetWatch scope(watch);
  CallbackState state;
  state.src = &src;
  state.req = &req;
  state.watch = watch;

  git_fetch_options opts = GIT_FETCH_OPTIONS_INIT;
  opts.callbacks.credentials = OnCredentials;
  opts.callbacks.transfer_progress = OnTransfer;
  opts.callbacks.sideband_progress = OnSideband;
  opts.callbacks.payload = &state;
  opts.prune = GIT_FETCH_PRUNE;
  opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL;
  opts.update_fetchhead = 0;
  // http.proxy from git config, else https_proxy/http_proxy (and no_proxy)
  // from the environment, as git does; ssh and git:// ignore it.
  opts.proxy_opts.type = GIT_PROXY_AUTO;

  // An in-memory remote with the refspecs given here: no config lookups
  // (see OpenOrInit), and no url.*.insteadOf rewriting from whatever git
  // config the grader's user has: the source is fetched as given.
  git_remote_create_options ropts = GIT_REMOTE_CREATE_OPTIONS_INIT;
  ropts.repository = repo;
  ropts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF |
                GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
  git_remote* raw = nullptr;
  if (git_remote_create_with_opts(&raw, src.url.c_str(), &ropts) != 0) {
    err->kind = FetchErrorKind::kOther;
    err->message = "cannot set up the remote for the cache mirror '" + dir +
                   "': " + LastGitError();
    return false;
  }
  RemotePtr remote(raw);
  const char* specs[] = {kHeadsSpec, kTagsSpec};
  const git_strarray refspecs = {const_cast<char**>(specs), 2};
  int rc = git_remote_connect(remote.get(), GIT_DIRECTION_FETCH,
                              &opts.callbacks, &opts.proxy_opts, nullptr);
  if (rc != 0) {
    *err = Classify(rc, state, src, timeout_s);
    return false;
  }
  // Asked while connected: the advertised HEAD is only known then.
  GitBuf head;
  const bool have_head =
      git_remote_default_branch(&head.buf, remote.get()) == 0;
  rc = git_remote_fetch(remote.get(), &refspecs, &opts, "ipc-grader fetch");
  if (rc != 0) {
    *err = Classify(rc, state, src, timeout_s);
    git_remote_disconnect(remote.get());
    return false;
  }
  git_remote_disconnect(remote.get());
  if (have_head && head.str().rfind("refs/heads/", 0) == 0) {
    // Best effort: only the "HEAD" candidate depends on it.
    git_repository_set_head(repo, head.str().c_str());
  }
  return true;
}

// Download, again after a transport failure (see FetchRequest::max_attempts).
// One deadline covers every attempt and the waits between them, so a server
// that keeps dying can cost at most timeout_s, never a hang. A retry fetches
// into the same mirror: libgit2 writes a pack under a temporary name and
// indexes it before any ref moves, so a cut-off attempt leaves no refs
// pointing at missing objects, and objects that did arrive are not asked
// for again.
bool DownloadWithRetries(const Source& src, const FetchRequest& req,
                         const std::string& dir, git_repository* repo,
                         FetchError* err) {
  // Non-positive means the default; a week bounds absurd values so the
  // deadline arithmetic cannot overflow.
  const double timeout_s =
      req.timeout_s > 0 ? std::min(req.timeout_s, 7 * 86400.0) : 120;
  NetWatch watch(NetWatch::Clock::now() +
                 std::chrono::milliseconds(
                     static_cast<long long>(std::ceil(timeout_s * 1000))));
  const int attempts = std::clamp(req.max_attempts, 1, 10);
  const double backoff_s = std::clamp(req.retry_backoff_s, 0.0, 60.0);
  for (int n = 1;; ++n) {
    if (Download(src, req, dir, repo, &watch, timeout_s, err)) return true;
    if (err->kind != FetchErrorKind::kUnreachable) return false;
    const auto wait = std::chrono::milliseconds(
        static_cast<long long>(std::ceil(n * backoff_s * 1000)));
    if (n >= attempts || watch.Expired() ||
        NetWatch::Clock::now() + wait >= watch.deadline()) {
      err->message += n == 1 ? " (1 attempt"
                             : " (gave up after " + std::to_string(n) +
                                   " attempts";
      if (n < attempts) {
        err->message += "; the fetch timeout leaves no time for another";
      }
      err->message += ")";
      return false;
    }
    std::this_thread::sleep_for(wait);
  }
}

}  // namespace

bool UpdateMirror(const Source& src, const FetchRequest& req,
                  const std::string& dir, RepoPtr* repo, FetchError* err) {
  bool created = false;
  if (!OpenOrInit(src, dir, repo, &created, err)) return false;
  bool ok = DownloadWithRetries(src, req, dir, repo->get(), err);
  if (!ok && !created && err->message.find("not a committish") != std::string::npos) {
    // libgit2 1.5's fetch negotiation walks every local ref as a commit,
    // so a tag of a blob or tree in the mirror fails every later fetch
    // (libgit2 #3595, fixed in 1.9). A fresh mirror has no local refs to
    // walk: start again from nothing. We hold the exclusive lock.
    repo->reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    if (!OpenOrInit(src, dir, repo, &created, err)) return false;
    ok = DownloadWithRetries(src, req, dir, repo->get(), err);
  }
  if (!ok) {
    // A mirror born in this call and never filled (a typo in the URL, a
    // server that is down) is not kept: the cache would fill with empty
    // repositories. We hold the exclusive lock, so nobody else uses it.
    if (created) {
      repo->reset();
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
    return false;
  }
  return true;
}

}  // namespace ipc::fetch
