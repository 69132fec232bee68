#!/usr/bin/env bash
# System packages ringnet's build and tests use, from Debian's archive:
#   liburing-dev        the io_uring backend (linked statically; without it the
#                       addon still builds, epoll only)
#   clang,              the fuzz targets (libFuzzer) and the sanitizer build of
#   libclang-rt-14-dev  the addon (npm run fuzz, npm run test:asan); clang's
#                       runtime libraries (libFuzzer, ASan, UBSan) live in the
#                       versioned libclang-rt package
#   cmake, ninja-build  the CMake builds (root CMakeLists.txt via cmake-js): the
#                       sanitizer addon, native tests and fuzz targets
#   g++-aarch64-linux-gnu, liburing-dev:arm64, libssl-dev:arm64, zlib1g-dev:arm64
#                       cross-compile the linux-arm64 prebuild (npm run prebuilds);
#                       the arm64 packages come from dpkg multiarch (added below)
#   qemu-user-static    runs an arm64 Node for the arm64 load test (npm run test:package)
#   curl                a real HTTP client for the HTTP tests
#   wrk                 HTTP load generator of the lab's http workload (ringnet bench; its cells are skipped without it)
#   haproxy             a real load balancer in front of the server (PROXY protocol tests)
#   redis-server,       the cluster brokers (test/cluster.test.ts, bench/cluster.js and the lab's cluster workload start
#   nats-server         private instances on a Unix socket / free port; the packages' daemons are never used)
#   libssl-dev          OpenSSL's static libraries, linked into the addon for TLS; libcrypto (SHA-1) in the bench generators
#   openssl             the s_client / certificate tool the TLS tests use; the lab's TLS cells make their certificate with it
#   zlib1g-dev          static libz.a for WebSocket permessage-deflate (linked, symbols hidden)
#   chromium            a real browser for the WebSocket tests (headless)
# Installs only what is missing; needs root (CI and the dev machines are root).
set -euo pipefail

packages=(liburing-dev clang libclang-rt-14-dev cmake ninja-build curl wrk haproxy
          redis-server nats-server libssl-dev openssl zlib1g-dev chromium
          g++-aarch64-linux-gnu liburing-dev:arm64 libssl-dev:arm64 zlib1g-dev:arm64 qemu-user-static)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "ringnet: please install: ${missing[*]} (apt-get install ${missing[*]})" >&2
  exit 0
fi
echo "ringnet: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# The :arm64 packages are foreign-architecture packages (multiarch).
dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
