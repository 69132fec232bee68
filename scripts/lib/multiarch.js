// Where a static library for a target architecture lives: Debian's multiarch
// directory of that architecture first (a cross build, npm run prebuilds,
// arm64 on x64, must link the arm64 archive and never the host's), then the
// non-Debian layouts, which only hold the host's own libraries. Used by
// scripts/liburing-path.js and scripts/static-libs.js (both run by binding.gyp).
'use strict';
const fs = require('node:fs');

const MULTIARCH = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };

/** Directories searched for <target arch>'s libraries, most specific first. */
function libraryDirs(arch) {
  const dirs = [];
  if (MULTIARCH[arch]) dirs.push(`/usr/lib/${MULTIARCH[arch]}`);
  if (arch === process.arch) dirs.push('/usr/lib64', '/usr/lib', '/usr/local/lib');
  return dirs;
}

/** Absolute path of lib<name>.a for arch, or null. */
function findStaticLibrary(arch, name) {
  return libraryDirs(arch).map((d) => `${d}/lib${name}.a`).find((f) => fs.existsSync(f)) ?? null;
}

module.exports = { MULTIARCH, libraryDirs, findStaticLibrary };
