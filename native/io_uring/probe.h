// Runtime detection of io_uring: does this kernel, under this process's
// sandbox, run every operation the backend uses? Never throws; says why not in
// words a user can act on.
#pragma once

#include <string>

namespace ringnet {

// The test-only switch: RINGNET_FORCE_IO_URING_FAILURE=1 makes the probe fail
// with kForcedFailureMessage, so fallback paths can be tested on any kernel.
constexpr const char* kForceFailureEnv = "RINGNET_FORCE_IO_URING_FAILURE";
constexpr const char* kForcedFailureMessage =
    "io_uring disabled by RINGNET_FORCE_IO_URING_FAILURE=1 (test switch)";

// True when the io_uring backend can run here; otherwise *why says what is
// missing (kernel too old, disabled by sysctl, refused by seccomp, ...). The
// kernel probe runs once per process; the test switch is read on every call.
bool probeIoUring(std::string* why);

}  // namespace ringnet
