#!/usr/bin/env node
// Prints the static liburing for the architecture binding.gyp builds for
// (node scripts/liburing-path.js <target_arch>), or nothing: then the addon is
// built epoll-only. Per architecture, so a cross build (npm run prebuilds,
// arm64 on x64) links the arm64 liburing.a from Debian's multiarch package and
// never the host's. RINGNET_NO_IO_URING=1 builds epoll only.
'use strict';
const fs = require('node:fs');

const multiarch = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };
const arch = process.argv[2] || process.arch;
const dirs = [];
if (multiarch[arch]) dirs.push(`/usr/lib/${multiarch[arch]}`);
// Non-Debian layouts only hold the host's own library.
if (arch === process.arch) dirs.push('/usr/lib64', '/usr/lib', '/usr/local/lib');

const found = dirs.map((d) => `${d}/liburing.a`).find((f) => fs.existsSync(f));
const header = ['/usr/include/liburing.h', '/usr/local/include/liburing.h'].some((f) => fs.existsSync(f));
if (process.env.RINGNET_NO_IO_URING !== '1' && found && header) process.stdout.write(found);
