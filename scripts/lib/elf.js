// Facts about a built addon, read from its ELF header and objdump's output:
// what machine it is for, the newest glibc symbol version it needs (its glibc
// floor, and libstdc++'s), its shared-library dependencies and what it exports. Used by scripts/prebuilds.js
// and the package check.
'use strict';

/** e_machine of an ELF image (0x3e x86-64, 0xb7 aarch64); throws if not ELF. */
function elfMachine(bytes) {
  if (bytes.length < 20 || bytes.readUInt32BE(0) !== 0x7f454c46) throw new Error('not an ELF file');
  return bytes[5] === 2 ? bytes.readUInt16BE(18) : bytes.readUInt16LE(18);
}

/** Compares dotted versions numerically: '2.34' > '2.4'. */
function compareVersions(a, b) {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d) return Math.sign(d);
  }
  return 0;
}

/**
 * Highest <prefix>_x.y symbol version among the dynamic symbols (objdump -T
 * output): GLIBC for the C library, GLIBCXX for libstdc++.
 */
function versionFloor(objdumpT, prefix = 'GLIBC') {
  let floor = '0';
  for (const m of objdumpT.matchAll(new RegExp(`\\b${prefix}_(\\d+(?:\\.\\d+)+)\\b`, 'g'))) {
    if (compareVersions(m[1], floor) > 0) floor = m[1];
  }
  return floor;
}

/** NEEDED entries of the dynamic section (objdump -p output). */
function neededLibraries(objdumpP) {
  return [...objdumpP.matchAll(/^\s*NEEDED\s+(\S+)/gm)].map((m) => m[1]);
}

/** What an addon may export (native/exports.map): the Node-API entry points. */
const NODE_API_EXPORTS = ['napi_register_module_v1', 'node_api_module_get_api_version_v1'];

/** Names of the defined dynamic symbols (nm -D --defined-only output), sorted. */
function definedDynamicSymbols(nmOutput) {
  return [...nmOutput.matchAll(/^\S*\s+[A-Za-z]\s+(\S+)$/gm)].map((m) => m[1].replace(/@.*$/, '')).sort();
}

module.exports = { elfMachine, compareVersions, versionFloor, neededLibraries, definedDynamicSymbols, NODE_API_EXPORTS };
