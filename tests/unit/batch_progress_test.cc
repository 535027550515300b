// The progress display: the status line's content and width, in-place
// redraws only on a terminal and only when something changed, and whole
// lines when several workers finish at once.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <thread>

#include "batch/progress.h"

namespace ipc::batch {
namespace {

TEST(ProgressLine, ShowsCountsFailuresTimesAndCurrentStudents) {
  ProgressState s;
  s.total = 40;
  s.done = 10;
  s.failed = 2;
  s.elapsed_s = 65;
  s.current = {"alice", "bob"};
  const std::string line = RenderProgressLine(s, 120);
  EXPECT_EQ(line, "[######------------------] 10/40  2 failed  1:05  ETA 3:15  grading alice, bob");
}

TEST(ProgressLine, NeverWiderThanTheTerminal) {
  ProgressState s;
  s.total = 1000;
  s.done = 3;
  s.elapsed_s = 4000;
  for (int i = 0; i < 50; ++i) s.current.push_back("student-with-a-long-name-" + std::to_string(i));
  for (int width : {20, 59, 60, 80, 99, 100, 200}) {
    const std::string line = RenderProgressLine(s, width);
    EXPECT_LE(line.size(), static_cast<std::size_t>(width)) << width;
    EXPECT_NE(line.find("3/1000"), std::string::npos) << line;
    if (width < 200) {
      EXPECT_TRUE(line.ends_with("...")) << line;
    }
  }
  EXPECT_EQ(FormatDuration(3723), "1:02:03");
}

TEST(ConsoleProgress, PlainModePrintsOneLinePerStudentAndNoEscapes) {
  std::ostringstream out;
  {
    ConsoleProgress p(
        &out, /*terminal=*/false, [] { return 0.0; }, 80);
    p.Begin(12);
    p.Started("alice");
    p.Tick();  // no status line when not on a terminal
    p.Finished("alice", Outcome::kGraded, "alice  3/3  final@aaaaaaaaaa");
    p.Note("bob: container engine failure (x); retry 1/2 in 1 s");
    p.Finished("bob", Outcome::kError, "bob  error: boom");
    p.End();
  }
  EXPECT_EQ(out.str(),
            "[ 1/12] alice  3/3  final@aaaaaaaaaa\n"
            "bob: container engine failure (x); retry 1/2 in 1 s\n"
            "[ 2/12] bob  error: boom\n");
}

TEST(ConsoleProgress, TerminalModeRedrawsInPlaceOnlyWhenChanged) {
  std::ostringstream out;
  double now = 100;
  ConsoleProgress p(
      &out, /*terminal=*/true, [&] { return now; }, 61, /*redraw_ms=*/0);
  p.Begin(2);
  p.Started("alice");
  out.str("");
  p.Tick();
  EXPECT_EQ(out.str(), "\r\x1b[K[------------] 0/2  0:00  grading alice");
  out.str("");
  p.Tick();  // nothing changed: nothing written
  EXPECT_EQ(out.str(), "");
  p.Finished("alice", Outcome::kGraded, "alice  3/3");
  // The status line is cleared, the result printed on its own line.
  EXPECT_EQ(out.str(), "\r\x1b[K[1/2] alice  3/3\n");
  out.str("");
  now = 130;
  p.Tick();
  EXPECT_EQ(out.str(), "\r\x1b[K[######------] 1/2  0:30  ETA 0:30");
  out.str("");
  p.End();
  EXPECT_EQ(out.str(), "\r\x1b[K");  // leaves a clean line
}

TEST(ConsoleProgress, LinesFromManyWorkersNeverInterleave) {
  std::ostringstream out;
  ConsoleProgress p(&out, /*terminal=*/false, nullptr, 80);
  p.Begin(8 * 50);
  std::vector<std::thread> workers;
  for (int w = 0; w < 8; ++w) {
    workers.emplace_back([&p, w] {
      for (int i = 0; i < 50; ++i) {
        const std::string name = "w" + std::to_string(w) + "s" + std::to_string(i);
        p.Started(name);
        p.Finished(name, Outcome::kGraded, name + "  " + std::string(60, 'x'));
      }
    });
  }
  for (auto& t : workers) t.join();
  p.End();
  std::istringstream lines(out.str());
  const std::regex whole(R"(\[ *\d+/400\] w\d+s\d+  x{60})");
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    EXPECT_TRUE(std::regex_match(line, whole)) << line;
  }
  EXPECT_EQ(n, 400);
}

}  // namespace
}  // namespace ipc::batch
