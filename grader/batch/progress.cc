#include "batch/progress.h"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace ipc::batch {
namespace {

// Carriage return, then ANSI "erase in line" (to its end).
constexpr const char* kClearLine = "\r\x1b[K";

double SteadySeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int TerminalWidth() {
  winsize ws{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

}  // namespace

std::string FormatDuration(double seconds) {
  const auto s = static_cast<long long>(std::max(0.0, seconds));
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

std::string RenderProgressLine(const ProgressState& s, int width) {
  std::string line;
  if (width >= 60) {
    const int bar = width >= 100 ? 24 : 12;
    const int filled = s.total > 0 ? s.done * bar / s.total : bar;
    line = "[" + std::string(filled, '#') + std::string(bar - filled, '-') + "] ";
  }
  line += fmt::format("{}/{}", s.done, s.total);
  if (s.failed > 0) line += fmt::format("  {} failed", s.failed);
  line += "  " + FormatDuration(s.elapsed_s);
  if (s.done > 0 && s.done < s.total) {
    line += "  ETA " + FormatDuration(s.elapsed_s / s.done * (s.total - s.done));
  }
  if (!s.current.empty()) {
    line += "  grading ";
    for (std::size_t i = 0; i < s.current.size(); ++i) {
      line += (i ? ", " : "") + s.current[i];
    }
  }
  if (width > 0 && line.size() > static_cast<std::size_t>(width)) {
    line.resize(std::max(0, width - 3));
    line += "...";
    line.resize(static_cast<std::size_t>(width));
  }
  return line;
}

bool StdoutIsTerminal() {
  const char* term = std::getenv("TERM");
  return isatty(STDOUT_FILENO) == 1 && !(term && std::strcmp(term, "dumb") == 0);
}

ConsoleProgress::ConsoleProgress(std::ostream* out, bool terminal, Clock now, int width,
                                 int redraw_ms)
    : out_(out),
      terminal_(terminal),
      now_(now ? std::move(now) : SteadySeconds),
      width_(width),
      redraw_ms_(redraw_ms) {}

ConsoleProgress::~ConsoleProgress() { End(); }

void ConsoleProgress::Begin(int total) {
  {
    std::lock_guard lock(mu_);
    state_ = {};
    state_.total = total;
    start_ = now_();
    ended_ = false;
    stop_ = false;
  }
  if (!terminal_ || redraw_ms_ <= 0 || ticker_.joinable()) return;
  ticker_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      // Redraws are paced here, not by events: 40 workers finishing at once
      // still cost at most 10 redraws a second.
      stop_cv_.wait_for(lock, std::chrono::milliseconds(redraw_ms_));
      if (stop_) break;
      lock.unlock();
      Tick();
      lock.lock();
    }
  });
}

void ConsoleProgress::Started(const std::string& student) {
  std::lock_guard lock(mu_);
  state_.current.push_back(student);
}

void ConsoleProgress::Finished(const std::string& student, Outcome outcome,
                               const std::string& line) {
  std::lock_guard lock(mu_);
  auto& cur = state_.current;
  cur.erase(std::remove(cur.begin(), cur.end(), student), cur.end());
  ++state_.done;
  if (outcome == Outcome::kError) ++state_.failed;
  const int digits = static_cast<int>(std::to_string(state_.total).size());
  PrintAboveLocked(fmt::format("[{:>{}}/{}] {}", state_.done, digits, state_.total, line));
}

void ConsoleProgress::Note(const std::string& message) {
  std::lock_guard lock(mu_);
  PrintAboveLocked(message);
}

void ConsoleProgress::PrintAboveLocked(const std::string& line) {
  if (terminal_ && !drawn_.empty()) {
    *out_ << kClearLine;
    drawn_.clear();  // the next tick draws the status line again, below
  }
  *out_ << line << '\n';
  out_->flush();
}

void ConsoleProgress::Tick() {
  std::lock_guard lock(mu_);
  if (!terminal_ || ended_) return;
  state_.elapsed_s = now_() - start_;
  // One column short of the width: writing into the last column makes some
  // terminals wrap at once, and "\r" would then return to the wrong line.
  const int width = (width_ > 0 ? width_ : TerminalWidth()) - 1;
  std::string line = RenderProgressLine(state_, width);
  if (line == drawn_) return;
  *out_ << kClearLine << line;
  out_->flush();
  drawn_ = std::move(line);
}

void ConsoleProgress::StopTicker() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

void ConsoleProgress::End() {
  StopTicker();
  std::lock_guard lock(mu_);
  if (ended_) return;
  ended_ = true;
  if (terminal_ && !drawn_.empty()) {
    *out_ << kClearLine;
    out_->flush();
    drawn_.clear();
  }
}

}  // namespace ipc::batch
