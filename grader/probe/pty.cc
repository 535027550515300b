#include "probe/pty.h"

#include <fcntl.h>
#include <stdlib.h>
#include <termios.h>

#include <cerrno>

namespace ipc::probe {

bool OpenRawPty(UniqueFd* master, UniqueFd* slave, std::string* err) {
  UniqueFd m(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!m.valid()) {
    *err = "posix_openpt: " + ErrnoText(errno) + " (is /dev/pts mounted in the image?)";
    return false;
  }
  char name[128];
  if (::grantpt(m.get()) != 0 || ::unlockpt(m.get()) != 0 ||
      ::ptsname_r(m.get(), name, sizeof name) != 0) {
    *err = "pty setup: " + ErrnoText(errno);
    return false;
  }
  UniqueFd s(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!s.valid()) {
    *err = std::string("open ") + name + ": " + ErrnoText(errno);
    return false;
  }
  termios t{};
  if (::tcgetattr(s.get(), &t) != 0) {
    *err = "tcgetattr: " + ErrnoText(errno);
    return false;
  }
  ::cfmakeraw(&t);
  if (::tcsetattr(s.get(), TCSANOW, &t) != 0) {
    *err = "tcsetattr: " + ErrnoText(errno);
    return false;
  }
  *master = std::move(m);
  *slave = std::move(s);
  return true;
}

}  // namespace ipc::probe
