// Whole reads and writes on a descriptor, for the reference programs
// (ref-cat and its --cases runner). Both retry EINTR, as CPython does
// (PEP 475).
#pragma once

#include <string>
#include <string_view>

namespace ipc::reference {

// Reads fd to EOF, appending to *out. 0, or the errno that stopped it.
int ReadAll(int fd, std::string* out);

// write() until all of data is out; false on an error.
bool WriteAll(int fd, std::string_view data);

}  // namespace ipc::reference
