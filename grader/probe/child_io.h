// Feeding a child's stdin and draining its stdout/stderr from one poll()
// loop, so that a child that floods its output and never reads its input
// cannot deadlock the probe (or itself: its writes never block for long,
// because the probe keeps reading even past output_cap, counting what it
// drops). The loop also watches the reaper's exit eventfd.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "probe/spawn.h"

namespace ipc::probe {

// The first `cap` bytes of a stream, and how many there were in total.
struct CappedOutput {
  explicit CappedOutput(std::size_t cap) : cap_(cap) {}
  void Add(const char* bytes, std::size_t n);
  std::string data;
  std::uint64_t total = 0;

 private:
  std::size_t cap_;
};

class ChildIo {
 public:
  // stderr keeps `stderr_cap` bytes (0: output_cap, as stdout).
  ChildIo(Spawned* child, std::string stdin_data, std::size_t output_cap,
          std::size_t stderr_cap = 0);

  enum class Wake { kExited, kDeadline, kStopped };
  // Pumps until the child has been reaped, `deadline` passes, or `stop`
  // (if given; called at most every `tick`) returns true.
  Wake PumpUntil(Clock::time_point deadline, const std::function<bool()>& stop = nullptr,
                 std::chrono::milliseconds tick = std::chrono::milliseconds(5));

  // Reads what is readable now, without waiting, then keeps the streams
  // open. Used after exit (a pipe holds everything a dead writer wrote; a
  // pty read flushes the kernel's pending buffer before answering) and just
  // before a signal is sent (to see what the program printed so far).
  void DrainAvailable();
  // DrainAvailable, then closes every stream. A leftover process (a
  // setsid daemon) that still holds a pipe can no longer keep us waiting.
  void Finish();

  bool exited() const { return exited_; }
  const CappedOutput& out() const { return out_; }
  const CappedOutput& err() const { return err_; }

 private:
  // Reads one chunk. kDone closes the stream: EOF on a pipe, or EIO from a
  // pty master once every slave descriptor is closed.
  enum class ReadResult { kData, kWouldBlock, kDone };
  ReadResult ReadOnce(UniqueFd& fd, CappedOutput& sink);
  void WriteStdin();

  Spawned* child_;
  std::string stdin_data_;
  std::size_t stdin_off_ = 0;
  CappedOutput out_, err_;
  bool exited_ = false;
};

}  // namespace ipc::probe
