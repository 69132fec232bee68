#!/bin/sh
# Builds the load generator: bench/loadgen/*.cc -> bench/bin/loadgen (links libcrypto: SHA-1 for
# the WebSocket handshake check, libssl-dev).
# Usage: sh bench/loadgen/build.sh   (bench/echo.js runs it when the binary is missing or stale)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../bin"
mkdir -p "$out"
${CXX:-g++} -O2 -std=c++17 -pthread -Wall -Wextra \
  -o "$out/loadgen.tmp" "$here"/*.cc -lcrypto
mv "$out/loadgen.tmp" "$out/loadgen"
echo "built $out/loadgen" >&2
