// The probe's stdin after the plan line: the submission's tar, then one tar
// per Plan::extra_trees name, back to back. Each archive ends with exactly
// the two zero blocks tar::Writer writes (POSIX's end-of-archive marker);
// that is the only way to find where one ends, since file data may itself
// hold zero blocks. So the split walks the headers.
#pragma once

#include <string>
#include <vector>

namespace ipc::probe {

// Splits `input` into 1 + `extra` archives (main first) into *out. With
// extra == 0 the whole input is the main archive, as before extra trees
// existed (an empty input means nothing to unpack). Archives are parsed
// (headers and checksums) but not extracted. False with *err naming which
// archive ("extra tree 2 of 3") and why.
bool SplitArchives(const std::string& input, std::size_t extra, std::vector<std::string>* out,
                   std::string* err);

}  // namespace ipc::probe
