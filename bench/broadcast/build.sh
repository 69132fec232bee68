#!/bin/sh
# Builds the broadcast benchmark client: bench/broadcast/client.cc -> bench/bin/broadcast-client.
# Usage: sh bench/broadcast/build.sh   (bench/broadcast.js runs it when the binary is missing or stale)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../bin"
mkdir -p "$out"
${CXX:-g++} -O2 -std=c++17 -Wall -Wextra -o "$out/broadcast-client.tmp" "$here/client.cc"
mv "$out/broadcast-client.tmp" "$out/broadcast-client"
echo "built $out/broadcast-client" >&2
