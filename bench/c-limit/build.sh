#!/bin/sh
# Builds the lab's C reference server (issue 12): bench/c-limit/c_limit.cc -> bench/bin/c-limit.
# Usage: sh bench/c-limit/build.sh   (bench/targets/c-limit.js runs it when the binary is missing
# or older than the source). Needs only g++ (or $CXX).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../bin"
mkdir -p "$out"
${CXX:-g++} -O2 -std=c++17 -pthread -Wall -Wextra -o "$out/c-limit.tmp" "$here/c_limit.cc"
mv "$out/c-limit.tmp" "$out/c-limit"
echo "built $out/c-limit" >&2
