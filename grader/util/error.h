// Two kinds of failure, after ccache's core/exceptions.hpp:
//  - Error: recoverable; a caller catches it and turns it into a result
//    (for one submission: status "error" with this message).
//  - Fatal: the run cannot go on (bad rubric, no engine); caught once in
//    main, printed, and the process exits non-zero.
// A student's failure is never an exception: it is a score with a message.
#pragma once

#include <stdexcept>
#include <string>

namespace ipc {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Fatal : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace ipc
