/**
 * Loading the addon as an installed package does: from a package directory
 * holding dist/ and (or not) a prebuild, in a fresh Node process. Without a
 * binary for the platform the user must be told how to build from source
 * (AddonLoadError), not get node-gyp-build's bare error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const PREBUILD = path.join('prebuilds', `linux-${process.arch}`, 'ringnet.napi.glibc.node');

interface Outcome {
  loaded?: boolean;
  backend?: string;
  port?: number;
  name?: string;
  code?: string;
  message?: string;
  isRingnetError?: boolean;
  hasCause?: boolean;
}

// Requires the package in `dir` in a child Node and reports what happened.
const PROBE = `
const dir = process.argv[1];
(async () => {
  try {
    const { createServer } = require(dir);
    const server = createServer({ framing: { type: 'length' } }, {});
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
    await server.close();
    console.log(JSON.stringify({ loaded: true, backend: server.backend, port }));
  } catch (e) {
    const { RingnetError } = require(dir + '/dist/errors');
    console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message,
      isRingnetError: e instanceof RingnetError, hasCause: e.cause !== undefined }));
  }
})();`;

function probe(dir: string, env: Record<string, string> = {}): Outcome {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.RINGNET_ADDON_PATH; // the sanitizer run's override: not what a user has
  const out = execFileSync(process.execPath, ['-e', PROBE, dir], { env: childEnv, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop() as string) as Outcome;
}

let work: string;
let builtAddon: string;

// A package directory: package.json, a copy of dist/, node_modules for node-gyp-build.
function packageDir(name: string, addon?: Buffer): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'ringnet', main: './dist/index.js' }));
  fs.cpSync(path.join(ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  if (addon) {
    fs.mkdirSync(path.dirname(path.join(dir, PREBUILD)), { recursive: true });
    fs.writeFileSync(path.join(dir, PREBUILD), addon);
  }
  return dir;
}

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'dist/index.js'))) throw new Error('dist/ is missing: npm run build first');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ringnet-addon-load-'));
  // Whatever this checkout loads (build/Release or its prebuild) serves as the prebuild.
  builtAddon = (require('node-gyp-build') as { resolve(dir: string): string }).resolve(ROOT);
});

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('loading the addon from a package', () => {
  it('loads the prebuild for this platform and serves', () => {
    const r = probe(packageDir('with-prebuild', fs.readFileSync(builtAddon)));
    expect(r.loaded).toBe(true);
    expect(r.port).toBeGreaterThan(0);
  });

  it('without any binary: AddonLoadError ERR_ADDON_NOT_FOUND saying how to build from source', () => {
    const r = probe(packageDir('empty'));
    expect(r.name).toBe('AddonLoadError');
    expect(r.code).toBe('ERR_ADDON_NOT_FOUND');
    expect(r.isRingnetError).toBe(true);
    expect(r.hasCause).toBe(true);
    expect(r.message).toContain(`linux-${process.arch}`);
    expect(r.message).toContain('npm rebuild ringnet');
    expect(r.message).toContain('liburing-dev');
    expect(r.message).toContain('libssl-dev');
    expect(r.message).toContain('zlib1g-dev');
  });

  it('on musl the glibc prebuild is not taken: the same message names musl', () => {
    // node-gyp-build reads LIBC to tell the C library (Alpine sets musl).
    const r = probe(packageDir('musl', fs.readFileSync(builtAddon)), { LIBC: 'musl' });
    expect(r.code).toBe('ERR_ADDON_NOT_FOUND');
    expect(r.message).toContain('(musl)');
    expect(r.message).toContain('npm rebuild ringnet');
  });

  it('a binary that does not load: ERR_ADDON_LOAD_FAILED with the loader reason and the way out', () => {
    const r = probe(packageDir('broken', Buffer.from('not an ELF file, as a truncated download would be')));
    expect(r.name).toBe('AddonLoadError');
    expect(r.code).toBe('ERR_ADDON_LOAD_FAILED');
    expect(r.message).toContain(PREBUILD);
    expect(r.message).toMatch(/invalid ELF header|file too short/);
    expect(r.message).toContain('glibc >= 2.34');
    expect(r.message).toContain('npm rebuild ringnet');
  });
});
