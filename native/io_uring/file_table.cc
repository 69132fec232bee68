#include "file_table.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace ringnet {

bool FileTable::init(io_uring* ring, uint32_t slots) {
  if (const char* v = std::getenv("RINGNET_IO_URING_FIXED_FILES"); v && std::strcmp(v, "0") == 0) {
    return false;
  }
  // The kernel refuses a table larger than RLIMIT_NOFILE (EMFILE).
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    slots = static_cast<uint32_t>(std::min<rlim_t>(slots, lim.rlim_cur));
  }
  if (slots == 0 || io_uring_register_files_sparse(ring, slots) < 0) return false;
  ring_ = ring;
  slots_ = slots;
  return true;
}

bool FileTable::install(uint32_t slot, int fd) {
  if (slot >= slots_) return false;
  return io_uring_register_files_update(ring_, slot, &fd, 1) == 1;
}

void FileTable::remove(uint32_t slot) {
  int none = -1;
  (void)io_uring_register_files_update(ring_, slot, &none, 1);
}

}  // namespace ringnet
