#!/usr/bin/env bash
# Builds targets of the root CMakeLists.txt through cmake-js (which supplies
# the Node-API headers) into a build directory, quietly: the output goes to
# <dir>/cmake-js.log and is printed only when the build fails. Used by
# test/asan/run.sh, test/native/run.sh and test/fuzz/run.sh.
#
#   bash scripts/cmake-js.sh <build dir> <target> [cmake-js options...]
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$1" target="$2"
shift 2
cmakejs="$ROOT/node_modules/.bin/cmake-js"
[ -x "$cmakejs" ] || { echo "cmake-js is not installed: run npm install" >&2; exit 1; }
command -v cmake >/dev/null || { echo "cmake not found: run scripts/setup-system.sh" >&2; exit 1; }
# Node's headers (node_api.h and uv.h, which the bridge uses) from npm's
# nodedir when it is set (Debian: /usr), as node-gyp takes them; otherwise
# cmake-js fetches the headers of this Node once into ~/.cmake-js.
if [ -z "${npm_config_nodedir:-}" ]; then
  nodedir="$(npm config get nodedir 2>/dev/null || true)"
  [ -n "$nodedir" ] && [ "$nodedir" != "undefined" ] && export npm_config_nodedir="$nodedir"
fi
mkdir -p "$ROOT/$dir"
log="$ROOT/$dir/cmake-js.log"
# -D: a Debug configuration (-g, asserts on); the sanitizer flags are the targets' own.
# configure each time (seconds): cmake-js's build alone keeps a stale cache.
if ! (cd "$ROOT" && "$cmakejs" configure -D --out "$dir" "$@" &&
      "$cmakejs" build -D --out "$dir" --target "$target" --parallel 2 "$@") >"$log" 2>&1; then
  cat "$log" >&2
  echo "cmake-js build of $target into $dir failed (log: $log)" >&2
  exit 1
fi
