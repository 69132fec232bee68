#!/bin/sh
# Builds the broadcast benchmark client: bench/broadcast/client.cc (+ the WebSocket client pieces
# of bench/loadgen/ws_client.cc, libcrypto for SHA-1) -> bench/bin/broadcast-client.
# Usage: sh bench/broadcast/build.sh   (bench/broadcast.js runs it when the binary is missing or stale)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../bin"
mkdir -p "$out"
${CXX:-g++} -O2 -std=c++17 -Wall -Wextra -o "$out/broadcast-client.tmp" "$here/client.cc" "$here/../loadgen/ws_client.cc" -lcrypto
mv "$out/broadcast-client.tmp" "$out/broadcast-client"
echo "built $out/broadcast-client" >&2
