// ref-cat: a cat.py as the rubric describes it (oracle_spec.h CatSpec),
// reproduced exactly (stdout bytes and exit status) as CPython 3.11 runs
// it; with the assignment's folder and refusal word it is the seed:
//
//   filename = sys.stdin.read().strip()
//   filename_in_litterbox_hopefully = f"./litterbox/{filename}"
//   try:
//       with open(filename_in_litterbox_hopefully) as f:
//           print(f.read())
//   except Exception as e:
//       print(f"MEOW {e}")
//
// Built static so it runs in any grading image whatever its libc.
//
// Usage: ref-cat --folder=NAME --refusal=WORD [--refuse-traversal]
//                [--never-open] [--always-print=TEXT]
//                [--stdin-errors=surrogateescape|strict] [--cases]
//   The error handler CPython gives sys.stdin depends on the locale (see
//   ErrorHandler in py_text.h). The default, surrogateescape, is what
//   python:latest (LANG=C.UTF-8) and `su -` (no LANG) both use.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reference/case_runner.h"
#include "reference/fd_io.h"
#include "reference/oracle_spec.h"
#include "reference/py_text.h"

namespace {

namespace pt = ipc::pytext;
using ipc::reference::ReadAll;
using ipc::reference::WriteAll;

constexpr int kPythonUncaught = 1;    // uncaught exception at top level
constexpr int kPythonFlushFailed = 120;  // CPython: flushing stdout at exit failed
constexpr int kUsage = 2;

// The uncaught exception of line 13 (`sys.stdin.read()`): a traceback on
// stderr (approximate; only stdout and the status are contractual) and 1.
int Uncaught(std::string_view exception_line) {
  std::string tb =
      "Traceback (most recent call last):\n"
      "  File \"cat.py\", line 13, in <module>\n"
      "    filename = sys.stdin.read().strip()\n"
      "               ^^^^^^^^^^^^^^^^\n";
  tb.append(exception_line).push_back('\n');
  WriteAll(STDERR_FILENO, tb);
  return kPythonUncaught;
}

// What `print(...)` inside the try prints for the file, or the refusal
// line ("MEOW" + " " + the exception's text).
std::string CatFile(const pt::PyStr& path, const std::string& refusal) {
  const std::string meow = refusal + " ";
  const std::optional<std::string> raw =
      pt::EncodeUtf8(path, pt::ErrorHandler::kSurrogateEscape);
  if (!raw) {
    // Unreachable from valid stdin: only U+DC80..DCFF surrogates arise.
    return meow + "'utf-8' codec can't encode character: surrogates not allowed\n";
  }
  // os.fspath -> PyUnicode_FSConverter rejects NUL before any syscall.
  if (raw->find('\0') != std::string::npos) return meow + "embedded null byte\n";

  // FileIO: open(O_RDONLY|O_CLOEXEC) retried on EINTR. Opening a directory
  // read-only succeeds in the kernel; CPython then fstat()s and raises
  // IsADirectoryError itself, with the filename.
  int fd;
  do {
    fd = open(raw->c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return meow + pt::OsErrorMessage(errno, path) + "\n";
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    close(fd);
    return meow + pt::OsErrorMessage(err, path) + "\n";
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    return meow + pt::OsErrorMessage(EISDIR, path) + "\n";
  }

  // f.read(): the whole file in one chunk, so decode error positions are
  // file offsets. A read error is an OSError without a filename.
  std::string bytes;
  const int read_err = ReadAll(fd, &bytes);
  close(fd);
  if (read_err != 0) return meow + pt::OsErrorMessage(read_err) + "\n";
  if (const auto error = pt::FindUtf8Error(bytes)) {
    return meow + pt::Utf8ErrorMessage(bytes, *error) + "\n";
  }
  // Text mode: universal newlines; print() appends "\n". The decoded text
  // has no surrogates, so it re-encodes to the same (translated) bytes.
  return pt::TranslateNewlines(bytes) + "\n";
}

// Lexical os.path.normpath(os.path.abspath(p)) for an ASCII/UTF-8 path.
std::string AbsNormPath(const std::string& p) {
  std::string full = p;
  if (full.empty() || full[0] != '/') {
    char cwd[4096];
    full = std::string(getcwd(cwd, sizeof cwd) ? cwd : "/") + "/" + p;
  }
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i <= full.size()) {
    std::size_t j = full.find('/', i);
    if (j == std::string::npos) j = full.size();
    std::string part = full.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out;
  for (const auto& part : parts) out += "/" + part;
  return out.empty() ? "/" : out;
}

// The changes a mutant makes (oracle_spec.h): "" when the cat goes on to
// open the file as usual.
std::string Mutant(const ipc::reference::CatSpec& spec, const std::string& name) {
  if (spec.always_print) return *spec.always_print + "\n";
  if (spec.never_open) return spec.refusal + "\n";
  // refuse_traversal: abs_filename.startswith(os.path.abspath("./FOLDER/"))
  if (spec.refuse_traversal &&
      AbsNormPath("./" + spec.folder + "/" + name).rfind(AbsNormPath("./" + spec.folder + "/"), 0) != 0) {
    return spec.refusal + " Sandbox escaped!\n";
  }
  return "";
}

int Main(int argc, char** argv) {
  pt::ErrorHandler stdin_errors = pt::ErrorHandler::kSurrogateEscape;
  std::vector<std::string> rest;
  std::string err;
  const auto spec = ipc::reference::CatFromArgs(std::vector<std::string>(argv + 1, argv + argc),
                                                &rest, &err);
  for (const auto& arg : rest) {
    if (arg == "--stdin-errors=surrogateescape") {
      stdin_errors = pt::ErrorHandler::kSurrogateEscape;
    } else if (arg == "--stdin-errors=strict") {
      stdin_errors = pt::ErrorHandler::kStrict;
    } else if (err.empty()) {
      err = "unknown argument '" + arg + "'";
    }
  }
  if (!spec || !err.empty()) {
    std::fprintf(stderr,
                 "ref-cat: %s\n"
                 "usage: ref-cat --folder=NAME --refusal=WORD [--refuse-traversal] [--never-open]\n"
                 "               [--always-print=TEXT] [--stdin-errors=surrogateescape|strict]\n"
                 "               [--cases]\n",
                 err.c_str());
    return kUsage;
  }
  // CPython ignores SIGPIPE, so a closed stdout is an EPIPE write error.
  signal(SIGPIPE, SIG_IGN);

  struct stat st {};
  if (fstat(STDIN_FILENO, &st) != 0) {
    // CPython sets sys.stdin = None when fd 0 is closed.
    return Uncaught("AttributeError: 'NoneType' object has no attribute 'read'");
  }
  std::string input;
  if (const int read_err = ReadAll(STDIN_FILENO, &input); read_err != 0) {
    return Uncaught("OSError: " + pt::OsErrorMessage(read_err));
  }
  const pt::DecodeResult decoded = pt::DecodeUtf8(input, stdin_errors);
  if (decoded.error) {
    return Uncaught("UnicodeDecodeError: " +
                    pt::Utf8ErrorMessage(input, *decoded.error));
  }
  const auto folder = pt::DecodeUtf8("./" + spec->folder + "/", pt::ErrorHandler::kSurrogateEscape);
  const pt::PyStr path = folder.text + pt::Strip(decoded.text);
  const auto name = pt::EncodeUtf8(pt::Strip(decoded.text), pt::ErrorHandler::kSurrogateEscape);
  if (const std::string out = Mutant(*spec, name.value_or("")); !out.empty()) {
    return WriteAll(STDOUT_FILENO, out) ? 0 : kPythonFlushFailed;
  }

  // Everything is printed at once: Python's stdout to a pipe or file is
  // block buffered, so only the final bytes are observable anyway. A closed
  // stdout is approximated by CPython's exit-time flush failure (120); the
  // exact status then depends on how much CPython had buffered (unverified).
  if (!WriteAll(STDOUT_FILENO, CatFile(path, spec->refusal))) return kPythonFlushFailed;
  return 0;
}

}  // namespace

// `--cases` (anywhere in argv): every case of a stdin_cases check in one
// step, each run by Main with the other arguments (reference/case_runner.h).
int main(int argc, char** argv) {
  std::vector<char*> rest;
  bool cases = false;
  for (int i = 0; i < argc; ++i) {
    if (i > 0 && std::string_view(argv[i]) == "--cases") {
      cases = true;
    } else {
      rest.push_back(argv[i]);
    }
  }
  if (!cases) return Main(argc, argv);
  return ipc::reference::RunCases(
      [&rest] { return Main(static_cast<int>(rest.size()), rest.data()); });
}
