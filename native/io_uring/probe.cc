#include "probe.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "uring_compat.h"

namespace ringnet {

namespace {

struct ProbeResult {
  bool ok = false;
  std::string why;
};

int readSysctlDisabled() {
  FILE* f = std::fopen("/proc/sys/kernel/io_uring_disabled", "r");
  if (!f) return -1;  // kernel older than 6.6: no such switch
  int v = -1;
  if (std::fscanf(f, "%d", &v) != 1) v = -1;
  std::fclose(f);
  return v;
}

std::string kernelRelease() {
  utsname u{};
  if (uname(&u) != 0) return "unknown";
  return u.release;
}

std::string setupFailure(int err) {
  std::string k = " (kernel " + kernelRelease() + ")";
  switch (err) {
    case ENOSYS:
      return "io_uring_setup is not implemented (ENOSYS): the kernel is too old or built "
             "without CONFIG_IO_URING" + k;
    case EPERM:
    case EACCES: {
      int s = readSysctlDisabled();
      if (s == 2) return "io_uring is disabled by sysctl kernel.io_uring_disabled=2" + k;
      if (s == 1)
        return "io_uring is restricted by sysctl kernel.io_uring_disabled=1 and this process "
               "is not in kernel.io_uring_group" + k;
      return std::string("io_uring_setup was refused (") + (err == EPERM ? "EPERM" : "EACCES") +
             "): blocked by a seccomp filter or container policy (Docker's default profile "
             "blocks io_uring)" + k;
    }
    case ENOMEM:
      return "io_uring_setup failed with ENOMEM: locked-memory limit (ulimit -l) too low" + k;
    default:
      return std::string("io_uring_setup failed: ") + std::strerror(err) + k;
  }
}

// Each operation the backend submits, with the kernel that added it.
struct Op {
  int code;
  const char* name;
  const char* since;
};
constexpr Op kOps[] = {
    {IORING_OP_ACCEPT, "ACCEPT", "5.5"},   {IORING_OP_RECV, "RECV", "5.6"},
    {IORING_OP_SENDMSG, "SENDMSG", "5.3"}, {IORING_OP_SEND, "SEND", "5.6"},
    {IORING_OP_READ, "READ", "5.6"},
    {IORING_OP_ASYNC_CANCEL, "ASYNC_CANCEL", "5.5"},
    {IORING_OP_TIMEOUT, "TIMEOUT", "5.4"},
};

// A functional check of what the opcode probe cannot see: a provided buffer
// ring (5.19) feeding a multishot recv (6.0) on a socketpair.
std::string checkMultishotRecv(io_uring* ring) {
  const unsigned entries = 1;
  size_t ringBytes = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  void* mem = mmap(nullptr, ringBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return std::string("mmap failed: ") + std::strerror(errno);
  auto* br = static_cast<io_uring_buf_ring*>(mem);
  io_uring_buf_ring_init(br);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uintptr_t>(mem);
  reg.ring_entries = entries;
  reg.bgid = 0;
  std::string why;
  int r = io_uring_register_buf_ring(ring, &reg, 0);
  if (r != 0) {
    munmap(mem, ringBytes);
    return "provided buffer rings are not supported (IORING_REGISTER_PBUF_RING: " +
           std::string(std::strerror(-r)) + "; needs Linux 5.19+, kernel " + kernelRelease() + ")";
  }
  char buf[64];
  io_uring_buf_ring_add(br, buf, sizeof buf, 0, io_uring_buf_ring_mask(entries), 0);
  io_uring_buf_ring_advance(br, 1);

  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    why = std::string("socketpair failed: ") + std::strerror(errno);
  } else {
    io_uring_sqe* sqe = io_uring_get_sqe(ring);
    io_uring_prep_recv_multishot(sqe, sv[0], nullptr, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = 0;
    sqe->user_data = 1;
    ssize_t w = ::write(sv[1], "x", 1);
    (void)w;
    io_uring_submit(ring);
    io_uring_cqe* cqe = nullptr;
    __kernel_timespec ts{1, 0};
    r = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
    if (r != 0) {
      why = std::string("io_uring_enter failed while probing multishot recv: ") +
            std::strerror(-r);
    } else if (cqe->res < 0) {
      why = std::string("multishot recv is not supported (") + std::strerror(-cqe->res) +
            "; needs Linux 6.0+, kernel " + kernelRelease() + ")";
    } else if (!(cqe->flags & IORING_CQE_F_BUFFER) || !(cqe->flags & IORING_CQE_F_MORE)) {
      why = "multishot recv with provided buffers did not behave as expected (kernel " +
            kernelRelease() + ")";
    }
    if (cqe) io_uring_cqe_seen(ring, cqe);
    ::close(sv[0]);
    ::close(sv[1]);
  }
  // The ring is torn down by the caller; its teardown cancels the recv.
  io_uring_unregister_buf_ring(ring, 0);
  munmap(mem, ringBytes);
  return why;
}

ProbeResult runProbe() {
  ProbeResult out;
  io_uring ring;
  io_uring_params p{};
  int r = io_uring_queue_init_params(8, &ring, &p);
  if (r < 0) {
    out.why = setupFailure(-r);
    return out;
  }
  std::string why;
  const unsigned needFeat = IORING_FEAT_NODROP | IORING_FEAT_FAST_POLL | IORING_FEAT_EXT_ARG;
  if ((p.features & needFeat) != needFeat) {
    why = "the kernel's io_uring lacks NODROP/FAST_POLL/EXT_ARG (needs Linux 5.11+, kernel " +
          kernelRelease() + ")";
  }
  if (why.empty()) {
    io_uring_probe* probe = io_uring_get_probe_ring(&ring);
    if (!probe) {
      why = "io_uring opcode probe failed (IORING_REGISTER_PROBE needs Linux 5.6+, kernel " +
            kernelRelease() + ")";
    } else {
      for (const Op& op : kOps) {
        if (!io_uring_opcode_supported(probe, op.code)) {
          why = std::string("io_uring lacks IORING_OP_") + op.name + " (Linux " + op.since +
                "+, kernel " + kernelRelease() + ")";
          break;
        }
      }
      io_uring_free_probe(probe);
    }
  }
  if (why.empty()) why = checkMultishotRecv(&ring);
  io_uring_queue_exit(&ring);
  out.ok = why.empty();
  out.why = why;
  return out;
}

}  // namespace

bool probeIoUring(std::string* why) {
  const char* force = std::getenv(kForceFailureEnv);
  if (force && std::strcmp(force, "1") == 0) {
    *why = kForcedFailureMessage;
    return false;
  }
  static std::once_flag once;
  static ProbeResult result;
  std::call_once(once, [] { result = runProbe(); });
  if (!result.ok) *why = result.why;
  return result.ok;
}

}  // namespace ringnet
