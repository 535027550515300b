#include "probe/archives.h"

#include "util/tar_format.h"

namespace ipc::probe {
namespace {

using tar::internal::kBlock;

// Length of the archive at the start of `a`, end-of-archive blocks
// included. The header parser (shared with tar::Extract, so both read the
// same dialect) stops at the first zero block; the entry data positions
// tell where the last member ended.
bool ArchiveLength(const std::string& a, std::size_t* len, std::string* err) {
  tar::internal::Parser parser(a);
  tar::internal::Raw e;
  std::size_t end = 0;
  for (;;) {
    const int r = parser.Next(&e, err);
    if (r < 0) return false;
    if (r == 0) break;
    end = static_cast<std::size_t>(e.data - a.data()) + tar::internal::Padded(e.size);
  }
  // Two zero blocks right after the last member (a header left dangling
  // after it, e.g. a pax record for nothing, is not our writer's output).
  if (a.size() < end + 2 * kBlock || a.find_first_not_of('\0', end) < end + 2 * kBlock) {
    *err = "no end-of-archive marker (two zero blocks) at offset " + std::to_string(end);
    return false;
  }
  *len = end + 2 * kBlock;
  return true;
}

}  // namespace

bool SplitArchives(const std::string& input, std::size_t extra, std::vector<std::string>* out,
                   std::string* err) {
  out->clear();
  if (extra == 0) {
    out->push_back(input);
    return true;
  }
  std::string rest = input;
  for (std::size_t i = 0; i <= extra; ++i) {
    const std::string which = i == 0 ? "the submission's tar"
                                     : "extra tree " + std::to_string(i) + " of " +
                                           std::to_string(extra);
    std::size_t len = 0;
    std::string why;
    if (!ArchiveLength(rest, &len, &why)) {
      *err = "stdin: " + which + " (at byte " + std::to_string(input.size() - rest.size()) +
             "): " + why;
      return false;
    }
    out->push_back(rest.substr(0, len));
    rest.erase(0, len);
  }
  if (!rest.empty()) {
    *err = "stdin: " + std::to_string(rest.size()) + " bytes after the last of " +
           std::to_string(extra + 1) + " tar archives (the plan names fewer extra_trees than "
           "the grader sent)";
    return false;
  }
  return true;
}

}  // namespace ipc::probe
