// A pseudo-terminal for StdoutMode::kPty. With a terminal on stdout, C stdio
// and Python line-buffer their output instead of fully buffering it, which
// is what a student sees when running a program by hand.
#pragma once

#include <string>

#include "probe/fd.h"

namespace ipc::probe {

// Opens a pty pair, both ends close-on-exec and without becoming anyone's
// controlling terminal (the child keeps the probe's session and only gets
// its own process group, so a timeout's killpg works the same in every
// mode; /dev/tty is therefore not available to it). The slave is put in raw mode: no ONLCR ("\n"
// would arrive as "\r\n"), no echo, no line discipline signals, so the bytes read from the master
// are exactly the bytes the program wrote.
bool OpenRawPty(UniqueFd* master, UniqueFd* slave, std::string* err);

}  // namespace ipc::probe
