// ustar + pax, written from memory and extracted without ever following a
// link. Keep this file free of anything but libc/libstdc++: the probe links
// it statically (see tar.h).
#include "util/tar.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "util/tar_format.h"

namespace ipc::tar {
namespace {

// The layout constants, Raw and Parser are shared with tar_parse.cc.
using namespace internal;

// Writes `v` as zero-padded octal into width-1 digits plus a NUL.
void PutOctal(char* field, std::size_t width, std::uint64_t v) {
  for (std::size_t i = width - 1; i-- > 0;) {
    field[i] = static_cast<char>('0' + (v & 7));
    v >>= 3;
  }
  field[width - 1] = '\0';
}

// "LEN key=value\n" where LEN counts the whole record, its own digits too.
std::string PaxRecord(const std::string& key, const std::string& value) {
  const std::size_t body = 1 + key.size() + 1 + value.size() + 1;
  std::size_t len = body + 1;
  while (std::to_string(len).size() + body != len) {
    len = std::to_string(len).size() + body;
  }
  return std::to_string(len) + " " + key + "=" + value + "\n";
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = o.fd_;
      o.fd_ = -1;
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Reset(); }
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

std::string Errno(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

// Splits a member path into components, dropping "." and empty ones.
// Absolute paths and ".." are refused outright.
bool SplitPath(const std::string& path, std::vector<std::string>* comps,
               std::string* why) {
  if (path.empty()) {
    *why = "empty path";
    return false;
  }
  if (path[0] == '/') {
    *why = "absolute path";
    return false;
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    std::string c = path.substr(start, slash - start);
    if (c == "..") {
      *why = "'..' component";
      return false;
    }
    if (!c.empty() && c != ".") comps->push_back(std::move(c));
    start = slash + 1;
  }
  return true;
}

// Opens the directory that will hold the last component, one component at
// a time with O_NOFOLLOW: a symlink planted by an earlier member (or by
// anyone else) makes openat fail with ENOTDIR/ELOOP instead of being
// followed. O_PATH because we only use it as a dirfd (no read permission
// needed).
bool OpenParent(int root, const std::vector<std::string>& comps, Fd* out,
                std::string* why) {
  Fd cur(::fcntl(root, F_DUPFD_CLOEXEC, 0));
  if (cur.get() < 0) {
    *why = Errno("dup");
    return false;
  }
  std::string walked;
  for (std::size_t i = 0; i + 1 < comps.size(); ++i) {
    walked += (i ? "/" : "") + comps[i];
    const int flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    int fd = ::openat(cur.get(), comps[i].c_str(), flags);
    if (fd < 0 && errno == ENOENT) {
      if (::mkdirat(cur.get(), comps[i].c_str(), 0755) != 0 &&
          errno != EEXIST) {
        *why = Errno(("mkdir " + QuoteForMessage(walked)).c_str());
        return false;
      }
      fd = ::openat(cur.get(), comps[i].c_str(), flags);
    }
    if (fd < 0) {
      if (errno == ENOTDIR || errno == ELOOP) {
        *why = QuoteForMessage(walked) +
               " is a symlink or not a directory; refusing to write through it";
      } else {
        *why = Errno(("open " + QuoteForMessage(walked)).c_str());
      }
      return false;
    }
    cur = Fd(fd);
  }
  *out = std::move(cur);
  return true;
}

// Makes room for a new non-directory at dir/name: an existing file or
// symlink is unlinked (never followed), a directory is an error.
bool ClearSlot(int dir, const std::string& name, std::string* why) {
  struct stat st;
  if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    *why = Errno("stat");
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    *why = "a directory of that name already exists";
    return false;
  }
  if (::unlinkat(dir, name.c_str(), 0) != 0) {
    *why = Errno("unlink");
    return false;
  }
  return true;
}

bool WriteAll(int fd, const char* p, std::size_t n, std::string* why) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      *why = Errno("write");
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool MakeFile(int dir, const std::string& name, const Raw& e,
              std::string* why) {
  int fd = -1;
  for (int attempt = 0; attempt < 2 && fd < 0; ++attempt) {
    // O_CREAT|O_EXCL never follows a symlink in the last component (it
    // fails with EEXIST even for a dangling one), O_NOFOLLOW for clarity.
    fd = ::openat(dir, name.c_str(),
                  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 &&
        (errno != EEXIST || attempt > 0 || !ClearSlot(dir, name, why))) {
      if (why->empty()) *why = Errno("create");
      return false;
    }
  }
  Fd f(fd);
  if (!WriteAll(f.get(), e.data, static_cast<std::size_t>(e.size), why)) {
    return false;
  }
  // The creation mode went through the umask; set the archive's bits.
  if (::fchmod(f.get(), e.mode & 0777) != 0) {
    *why = Errno("chmod");
    return false;
  }
  const struct timespec ts[2] = {{e.mtime, 0}, {e.mtime, 0}};
  if (::futimens(f.get(), ts) != 0) {
    *why = Errno("set mtime");
    return false;
  }
  return true;
}

bool MakeSymlink(int dir, const std::string& name, const Raw& e,
                 std::string* why) {
  if (e.link.empty()) {
    *why = "symlink with empty target";
    return false;
  }
  if (::symlinkat(e.link.c_str(), dir, name.c_str()) != 0) {
    if (errno != EEXIST || !ClearSlot(dir, name, why) ||
        ::symlinkat(e.link.c_str(), dir, name.c_str()) != 0) {
      if (why->empty()) *why = Errno("symlink");
      return false;
    }
  }
  const struct timespec ts[2] = {{e.mtime, 0}, {e.mtime, 0}};
  // Best effort: the link's own times, never its target's.
  ::utimensat(dir, name.c_str(), ts, AT_SYMLINK_NOFOLLOW);
  return true;
}

bool MakeDir(int dir, const std::string& name, const Raw& e, std::string* why) {
  if (::mkdirat(dir, name.c_str(), 0700) != 0) {
    struct stat st;
    if (errno != EEXIST ||
        ::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISDIR(st.st_mode)) {
      *why = errno == EEXIST ? "exists and is not a directory" : Errno("mkdir");
      return false;
    }
  }
  Fd d(::openat(dir, name.c_str(),
                O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (d.get() < 0 || ::fchmod(d.get(), e.mode & 0777) != 0) {
    *why = Errno("chmod");
    return false;
  }
  return true;
}

bool ExtractOne(int root, const Raw& e, std::string* why) {
  std::vector<std::string> comps;
  if (!SplitPath(e.path, &comps, why)) return false;
  const bool is_dir = e.type == '5';
  if (comps.empty()) {
    if (is_dir) return true;  // "./": the destination itself
    *why = "no file name";
    return false;
  }
  Fd parent;
  if (!OpenParent(root, comps, &parent, why)) return false;
  const std::string& name = comps.back();
  switch (e.type) {
    case '0':
    case '\0':
    case '7':
      return MakeFile(parent.get(), name, e, why);
    case '2':
      return MakeSymlink(parent.get(), name, e, why);
    case '5':
      return MakeDir(parent.get(), name, e, why);
    default:
      *why = std::string("unsupported entry type '") + e.type +
             "' (only files, directories and symlinks)";
      return false;
  }
}

}  // namespace

void Writer::Header(const std::string& path, char type, std::uint64_t size,
                    unsigned mode, const std::string& link) {
  std::string pax;
  const bool mtime_fits = mtime_ >= 0 && static_cast<std::uint64_t>(mtime_) <= kMaxOctal11;
  if (type != 'x') {  // a pax header's own fields always fit
    if (path.size() > kNameLen) pax += PaxRecord("path", path);
    if (link.size() > kLinkLen) pax += PaxRecord("linkpath", link);
    if (size > kMaxOctal11) pax += PaxRecord("size", std::to_string(size));
    if (!mtime_fits) pax += PaxRecord("mtime", std::to_string(mtime_));
  }
  if (!pax.empty()) {
    Header("././@PaxHeader", 'x', pax.size(), 0644, "");
    out_ += pax;
    out_.append(Padded(pax.size()) - pax.size(), '\0');
  }
  char h[kBlock] = {};
  std::memcpy(h + kNameOff, path.data(), std::min(path.size(), kNameLen));
  PutOctal(h + kModeOff, 8, mode & 07777);
  PutOctal(h + kUidOff, 8, 0);
  PutOctal(h + kGidOff, 8, 0);
  PutOctal(h + kSizeOff, 12, size > kMaxOctal11 ? 0 : size);
  // Out of range (before 1970, after 2242): the pax record holds the time,
  // the field the nearest value it can (what GNU tar writes too).
  PutOctal(h + kMtimeOff, 12,
           mtime_fits ? static_cast<std::uint64_t>(mtime_) : mtime_ < 0 ? 0 : kMaxOctal11);
  h[kTypeOff] = type;
  std::memcpy(h + kLinkOff, link.data(), std::min(link.size(), kLinkLen));
  std::memcpy(h + kMagicOff, "ustar", 6);  // with its NUL
  std::memcpy(h + kVersionOff, "00", 2);
  std::memcpy(h + kUnameOff, "root", 4);
  std::memcpy(h + kGnameOff, "root", 4);
  std::memset(h + kSumOff, ' ', 8);
  std::uint64_t sum = 0;
  for (unsigned char c : h) sum += c;
  PutOctal(h + kSumOff, 7, sum);  // six digits, NUL, then the space kept
  out_.append(h, kBlock);
}

void Writer::AddFile(const std::string& path, const std::string& data,
                     unsigned mode) {
  Header(path, '0', data.size(), mode, "");
  out_ += data;
  out_.append(Padded(data.size()) - data.size(), '\0');
}

void Writer::AddDir(const std::string& path, unsigned mode) {
  Header(path.empty() || path.back() == '/' ? path : path + "/", '5', 0, mode,
         "");
}

void Writer::AddSymlink(const std::string& path, const std::string& target) {
  Header(path, '2', 0, 0777, target);
}

std::string Writer::Finish() {
  out_.append(2 * kBlock, '\0');
  return std::move(out_);
}

bool Extract(const std::string& archive, const std::string& dest,
             const ExtractLimits& limits, std::string* err) {
  Fd root(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (root.get() < 0) {
    *err = Errno(("cannot open destination " + QuoteForMessage(dest)).c_str());
    return false;
  }
  Parser parser(archive);
  Raw e;
  std::uint64_t entries = 0, total = 0;
  for (;;) {
    const int r = parser.Next(&e, err);
    if (r < 0) return false;
    if (r == 0) return true;
    if (++entries > limits.max_entries) {
      *err = "more than " + std::to_string(limits.max_entries) +
             " entries (at " + QuoteForMessage(e.path) + ")";
      return false;
    }
    total += e.size;
    if (total > limits.max_total_bytes) {
      *err = "more than " + std::to_string(limits.max_total_bytes) +
             " bytes of data (at " + QuoteForMessage(e.path) + ")";
      return false;
    }
    std::string why;
    if (!ExtractOne(root.get(), e, &why)) {
      *err = "tar entry " + QuoteForMessage(e.path) + ": " + why;
      return false;
    }
  }
}

bool List(const std::string& archive, std::vector<Member>* out,
          std::string* err) {
  Parser parser(archive);
  Raw e;
  for (;;) {
    const int r = parser.Next(&e, err);
    if (r < 0) return false;
    if (r == 0) return true;
    Member m;
    m.path = e.path;
    while (m.path.size() > 1 && m.path.back() == '/') m.path.pop_back();
    m.mode = e.mode;
    m.mtime = e.mtime;
    switch (e.type) {
      case '0':
      case '\0':
      case '7':
        m.type = Member::Type::kFile;
        m.size = e.size;
        break;
      case '5':
        m.type = Member::Type::kDir;
        break;
      case '2':
        m.type = Member::Type::kSymlink;
        m.link = e.link;
        break;
      default:
        *err = "tar entry " + QuoteForMessage(e.path) + ": unsupported entry type '" +
               e.type + "'";
        return false;
    }
    out->push_back(std::move(m));
  }
}

}  // namespace ipc::tar
