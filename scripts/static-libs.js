#!/usr/bin/env node
// Prints the static archives binding.gyp links for a target architecture,
// one per line (node scripts/static-libs.js <target_arch> ssl crypto), or
// fails naming the Debian package to install. Required libraries only
// (OpenSSL for TLS); liburing is optional: scripts/liburing-path.js.
'use strict';
const { findStaticLibrary } = require('./lib/multiarch');

// Which Debian package holds lib<name>.a.
const PACKAGES = { ssl: 'libssl-dev', crypto: 'libssl-dev', z: 'zlib1g-dev' };

const [arch = process.arch, ...names] = process.argv.slice(2);
const found = [];
for (const name of names) {
  const lib = findStaticLibrary(arch, name);
  if (!lib) {
    const pkg = (PACKAGES[name] ?? `lib${name}`) + (arch === process.arch ? '' : `:${arch}`);
    process.stderr.write(`ringnet: lib${name}.a for ${arch} not found (apt-get install ${pkg}; bash scripts/setup-system.sh)\n`);
    process.exit(1);
  }
  found.push(lib);
}
process.stdout.write(found.join('\n'));
