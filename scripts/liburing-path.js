#!/usr/bin/env node
// Prints the static liburing for the architecture binding.gyp builds for
// (node scripts/liburing-path.js <target_arch>), or nothing: then the addon is
// built epoll-only. Per architecture (scripts/lib/multiarch.js), so a cross
// build links the arm64 liburing.a from Debian's multiarch package.
// RINGNET_NO_IO_URING=1 builds epoll only.
'use strict';
const fs = require('node:fs');
const { findStaticLibrary } = require('./lib/multiarch');

const arch = process.argv[2] || process.arch;
const found = findStaticLibrary(arch, 'uring');
const header = ['/usr/include/liburing.h', '/usr/local/include/liburing.h'].some((f) => fs.existsSync(f));
if (process.env.RINGNET_NO_IO_URING !== '1' && found && header) process.stdout.write(found);
