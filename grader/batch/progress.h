// What a batch shows while it runs.
//
// On a terminal: one status line redrawn in place (carriage return, then
// "erase to end of line"), at most 10 times a second, by one ticker thread:
//   [########------------] 12/40  1 failed  0:42  ETA 1:38  grading alice, bob
// with each finished student's line printed above it. Not on a terminal
// (CI logs, a file): no redrawing, one plain line per finished student.
// Every write happens under one mutex, so lines from several workers never
// interleave.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

namespace ipc::batch {

enum class Outcome {
  kGraded,    // graded now (status graded)
  kError,     // graded now, status error
  kUpToDate,  // the stored result matches the current commit: not regraded
  kKept,      // could not fetch (network); the stored graded result was kept
};

class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  virtual void Begin(int total) = 0;
  virtual void Started(const std::string& student) = 0;
  virtual void Finished(const std::string& student, Outcome outcome, const std::string& line) = 0;
  // Something worth a line that is not a result: a retry, a kept result.
  virtual void Note(const std::string& message) = 0;
  // Stops redrawing and clears the status line.
  virtual void End() = 0;
};

struct ProgressState {
  int total = 0;
  int done = 0;
  int failed = 0;  // outcome kError
  double elapsed_s = 0;
  std::vector<std::string> current;  // being graded, in start order
};

// The status line, at most `width` bytes. Student names are ASCII (see
// pipeline::CheckStudentName), so bytes are columns.
std::string RenderProgressLine(const ProgressState& s, int width);

// "0:42", "1:02:03".
std::string FormatDuration(double seconds);

class ConsoleProgress : public ProgressSink {
 public:
  using Clock = std::function<double()>;  // monotonic seconds

  // `width` 0: ask the terminal on every redraw (it may be resized).
  // On a terminal a ticker thread calls Tick() every `redraw_ms`; 0 starts
  // no thread (tests call Tick themselves). Not on a terminal, no thread.
  ConsoleProgress(std::ostream* out, bool terminal, Clock now = nullptr, int width = 0,
                  int redraw_ms = 100);
  ~ConsoleProgress() override;

  void Begin(int total) override;
  void Started(const std::string& student) override;
  void Finished(const std::string& student, Outcome outcome, const std::string& line) override;
  void Note(const std::string& message) override;
  void End() override;

  // Redraws the status line if it changed. The ticker calls it every 100 ms;
  // tests call it directly.
  void Tick();

 private:
  void PrintAboveLocked(const std::string& line);
  void StopTicker();

  std::ostream* out_;
  const bool terminal_;
  Clock now_;
  const int width_;
  const int redraw_ms_;
  double start_ = 0;

  std::mutex mu_;
  ProgressState state_;
  std::string drawn_;  // what the terminal shows on the status line
  bool ended_ = false;

  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread ticker_;
};

// isatty(STDOUT_FILENO), and TERM is not "dumb".
bool StdoutIsTerminal();

}  // namespace ipc::batch
