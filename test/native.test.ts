// Runs the standalone C++ unit tests (test/native/*_test.cc) under ASan/UBSan
// through test/native/run.sh; they need only a C++17 compiler, not the addon.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it, expect } from 'vitest';

const script = path.join(__dirname, 'native', 'run.sh');
const root = path.resolve(__dirname, '..');

describe('native unit tests', () => {
  // Under npm run test:asan (RINGNET_ADDON_PATH names the sanitized addon) this
  // would rebuild and rerun the same sanitizer binaries npm test just ran.
  it.skipIf(process.env.RINGNET_ADDON_PATH !== undefined)('test/native/run.sh passes under sanitizers', () => {
    const res = spawnSync('bash', [script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 14 * 60 * 1000, // compiles every native test with sanitizers: minutes while the ASan suite runs beside it
      maxBuffer: 64 * 1024 * 1024,
    });
    const output = `${res.stdout ?? ''}${res.stderr ?? ''}`;
    if (res.status !== 0) {
      // Full compiler / sanitizer output, so the failure is readable in CI logs.
      console.error(output);
      if (res.error) console.error(res.error);
    }
    expect(res.error, 'run.sh could not be run or timed out').toBeUndefined();
    expect(res.status, output.slice(-4000)).toBe(0);
  }, 15 * 60 * 1000);
});
