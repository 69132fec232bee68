#!/usr/bin/env node
// npm run prebuilds: the release build. Builds the N-API addon for every
// platform ringnet ships a binary for into prebuilds/<platform>-<arch>/
// (where node-gyp-build finds it when nobody compiles: npm 12 runs no
// dependency install scripts), stripped, liburing and OpenSSL linked
// statically (their symbols hidden: only the Node-API entry points are exported).
//
//   npm run prebuilds                  # linux-x64 and linux-arm64 (glibc)
//   npm run prebuilds -- --arch arm64  # one architecture
//
// Each architecture is built in its own staging directory under the system
// temp dir, so build/Release (the development build node-gyp-build prefers)
// is never overwritten by a foreign binary. arm64 is cross-compiled on x64
// with Debian's g++-aarch64-linux-gnu and the arm64 liburing-dev (multiarch;
// scripts/setup-system.sh installs both). Prints one line per binary: size,
// the glibc and libstdc++ it needs at least, its shared-library dependencies;
// fails if a binary is for the wrong machine, needs newer ones than TARGETS
// states (the README says the same), was built without io_uring, links
// liburing or OpenSSL dynamically, or exports more than the Node-API entry points.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { elfMachine, versionFloor, neededLibraries, compareVersions, definedDynamicSymbols, NODE_API_EXPORTS } = require('./lib/elf');

const ROOT = path.resolve(__dirname, '..');

// Per architecture: the GNU triple of its cross toolchain, the ELF e_machine,
// and the highest glibc / libstdc++ symbol versions the binary may need
// (stated in the README: glibc 2.34 for pthread_once & co., which moved into
// libc there; GLIBCXX_3.4.29 is GCC 11's libstdc++).
const TARGETS = {
  x64: { triple: 'x86_64-linux-gnu', machine: 0x3e, glibc: '2.34', glibcxx: '3.4.29' },
  arm64: { triple: 'aarch64-linux-gnu', machine: 0xb7, glibc: '2.34', glibcxx: '3.4.29' },
};

function parseArgs(argv) {
  let archs = Object.keys(TARGETS);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--arch') archs = String(argv[++i] ?? '').split(',');
    else if (argv[i].startsWith('--arch=')) archs = argv[i].slice(7).split(',');
    else if (argv[i] === '-h' || argv[i] === '--help') {
      process.stdout.write(fs.readFileSync(__filename, 'utf8').split('\n').slice(1, 18).join('\n') + '\n');
      process.exit(0);
    } else fail(`unknown argument ${argv[i]}`);
  }
  for (const a of archs) if (!TARGETS[a]) fail(`--arch: one of ${Object.keys(TARGETS).join(', ')}, got '${a}'`);
  return archs;
}

function fail(message) {
  process.stderr.write(`prebuilds: ${message}\n`);
  process.exit(1);
}

function which(cmd) {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

// The node-gyp npm runs scripts with (npm sets npm_config_node_gyp), else one
// on PATH, else npm's bundled one.
function nodeGyp() {
  if (process.env.npm_config_node_gyp) return [process.execPath, process.env.npm_config_node_gyp];
  const onPath = which('node-gyp');
  if (onPath) return [onPath];
  const npmRoot = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
  const bundled = path.join(npmRoot, 'npm/node_modules/node-gyp/bin/node-gyp.js');
  if (!fs.existsSync(bundled)) fail('node-gyp not found (install it, or run through npm run prebuilds)');
  return [process.execPath, bundled];
}

// Node's own headers when they sit next to this Node (Debian: /usr/include/node),
// so nothing is downloaded; N-API headers of any Node version build the same binary.
function nodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = path.resolve(process.execPath, '../..');
  return fs.existsSync(path.join(prefix, 'include/node/node_api.h')) ? prefix : null;
}

function toolchain(arch) {
  if (arch === process.arch) return { env: {}, strip: 'strip', objdump: 'objdump', nm: 'nm' };
  const { triple } = TARGETS[arch];
  for (const tool of [`${triple}-g++`, `${triple}-gcc`, `${triple}-strip`]) {
    if (!which(tool)) fail(`${tool} not found: the ${arch} cross build needs g++-${triple.replace(/_/g, '-')} (bash scripts/setup-system.sh installs it)`);
  }
  return {
    env: { CC: `${triple}-gcc`, CXX: `${triple}-g++`, LINK: `${triple}-g++`, AR: `${triple}-ar` },
    strip: `${triple}-strip`,
    objdump: `${triple}-objdump`,
    nm: `${triple}-nm`,
  };
}

// The helper scripts binding.gyp runs (library lookups): the package ships
// them for `npm rebuild ringnet`, so package.json's "files" lists them.
const BUILD_SCRIPTS = require('../package.json').files.filter((f) => f.startsWith('scripts/'));

// What the build reads: binding.gyp, the sources, and the library lookups.
function stage(arch) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ringnet-prebuild-${arch}-`));
  fs.copyFileSync(path.join(ROOT, 'binding.gyp'), path.join(dir, 'binding.gyp'));
  fs.cpSync(path.join(ROOT, 'native'), path.join(dir, 'native'), { recursive: true });
  for (const f of BUILD_SCRIPTS) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  }
  // binding.gyp resolves node-addon-api's headers with require() from here.
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

function buildOne(arch) {
  const target = TARGETS[arch];
  const tools = toolchain(arch);
  const liburing = execFileSync(process.execPath, [path.join(ROOT, 'scripts/liburing-path.js'), arch], { encoding: 'utf8' });
  if (!liburing && process.env.RINGNET_NO_IO_URING !== '1') {
    fail(`no liburing.a for ${arch}: a release binary without io_uring is not shipped (install liburing-dev${arch === process.arch ? '' : ':' + arch}, bash scripts/setup-system.sh)`);
  }
  const dir = stage(arch);
  try {
    const gyp = nodeGyp();
    const args = [...gyp.slice(1), 'rebuild', '--release', `--arch=${arch}`, '-j', '2', '--loglevel=warn'];
    const nd = nodeDir();
    if (nd) args.push(`--nodedir=${nd}`);
    const started = Date.now();
    execFileSync(gyp[0], args, { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...tools.env } });
    const built = path.join(dir, 'build/Release/ringnet.node');
    execFileSync(tools.strip, ['--strip-all', built]);

    const bytes = fs.readFileSync(built);
    const machine = elfMachine(bytes);
    if (machine !== target.machine) fail(`${arch}: built a binary for ELF machine 0x${machine.toString(16)}`);
    const symbols = execFileSync(tools.objdump, ['-T', built], { encoding: 'utf8' });
    const floor = versionFloor(symbols, 'GLIBC');
    const cxxFloor = versionFloor(symbols, 'GLIBCXX');
    for (const [what, got, stated] of [['glibc', floor, target.glibc], ['GLIBCXX', cxxFloor, target.glibcxx]]) {
      if (compareVersions(got, stated) > 0) {
        fail(`${arch}: needs ${what} ${got}, above the stated floor ${stated} (update TARGETS and the README, or lower it)`);
      }
    }
    const needed = neededLibraries(execFileSync(tools.objdump, ['-p', built], { encoding: 'utf8' }));
    for (const lib of ['liburing', 'libssl', 'libcrypto']) {
      if (needed.some((n) => n.startsWith(lib))) fail(`${arch}: ${lib} is linked dynamically`);
    }
    const exported = definedDynamicSymbols(execFileSync(tools.nm, ['-D', '--defined-only', built], { encoding: 'utf8' }));
    if (exported.join() !== NODE_API_EXPORTS.join()) {
      fail(`${arch}: exports ${exported.slice(0, 8).join(' ')}${exported.length > 8 ? ' …' : ''}, not only ${NODE_API_EXPORTS.join(' ')} (native/exports.map)`);
    }

    const outDir = path.join(ROOT, 'prebuilds', `linux-${arch}`);
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(outDir, { recursive: true });
    // node-gyp-build's tags: any Node with N-API 8, glibc only (a musl system
    // finds no match and gets the build-from-source message instead).
    const out = path.join(outDir, 'ringnet.napi.glibc.node');
    fs.copyFileSync(built, out);
    const secs = ((Date.now() - started) / 1000).toFixed(0);
    console.log(`prebuilds: ${path.relative(ROOT, out)}  ${(bytes.length / 1024).toFixed(0)} KiB  glibc >= ${floor}  GLIBCXX >= ${cxxFloor}  ` +
      `io_uring ${liburing ? 'static' : 'off'}  OpenSSL static  exports ${exported.length} (Node-API)  needs ${needed.join(' ')}  (${secs} s)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.platform !== 'linux') fail('prebuilds are built on Linux');
for (const arch of parseArgs(process.argv.slice(2))) buildOne(arch);
