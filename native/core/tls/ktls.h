// Kernel TLS detection. The kernel offers TLS record offload through the
// "tls" upper-layer protocol (setsockopt TCP_ULP), present only when it was
// built with CONFIG_TLS (this project's CI kernel is not). A TCP socket that
// is not connected answers the ULP request with ENOTCONN when the module
// exists (or could be auto-loaded) and with ENOENT when it does not, so one
// throwaway socket tells which, without a connection.
#pragma once

#include <string>

namespace ringnet {

// True when the kernel has the TLS ULP; otherwise false with *why.
bool kernelTlsAvailable(std::string* why);

}  // namespace ringnet
