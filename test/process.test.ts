/**
 * The server and the process around it: the process exits by itself after
 * close() or when the server is unref()'d, and a server inside a worker thread
 * echoes, closes, and survives terminate(). Each scenario runs in a child
 * process (test/support/process-fixture.cjs) against the BUILT dist/index.js,
 * so a crash or a hang shows as an exit code or a timeout here.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { VARIANTS } from './support/variants';

const FIXTURE = path.join(__dirname, 'support', 'process-fixture.cjs');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  lines: string[];
  stderr: string;
  /** The child was still running after `timeoutMs` and was killed by the test. */
  timedOut: boolean;
}

/**
 * Runs a fixture scenario; kills it (by pid, SIGKILL) if it has not exited after `timeoutMs`.
 * With `afterFirstLine`, the clock starts at the child's first line of output, so a slow
 * start on a loaded machine does not count against the time it must stay alive.
 */
function runFixture(scenario: string, options: object, timeoutMs: number, afterFirstLine = false): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [FIXTURE, scenario, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const kill = (): void => {
      timedOut = true;
      child.kill('SIGKILL');
    };
    // Without afterFirstLine: a hard bound from spawn. With it: a generous bound for the
    // start (30 s), then timeoutMs from the first line.
    let timer = setTimeout(kill, afterFirstLine ? 30_000 : timeoutMs);
    child.stdout.on('data', (d) => {
      if (afterFirstLine && !stdout.includes('\n') && String(d).includes('\n')) {
        clearTimeout(timer);
        timer = setTimeout(kill, timeoutMs);
      }
      stdout += d;
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, lines: stdout.trim().split('\n').filter(Boolean), stderr, timedOut });
    });
  });
}

beforeAll(() => {
  if (!fs.existsSync(path.join(__dirname, '..', 'dist', 'index.js'))) {
    throw new Error('dist/index.js is missing: run `npm run build` first (these tests use the built library)');
  }
});

describe.each(VARIANTS)('process ($name)', (variant) => {
  it('the process exits by itself (code 0) after server.close(), though the client was still connected', async () => {
    const run = await runFixture('close-exits', variant.options, 8_000);
    expect(run.timedOut, `child did not exit: ${run.lines.join(' | ')}`).toBe(false);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.lines).toEqual(expect.arrayContaining(['echo hello', 'closed', 'client saw end']));
  });

  it("the process exits by itself while an unref()'d server is listening", async () => {
    const run = await runFixture('unref', variant.options, 8_000);
    expect(run.timedOut, `child did not exit: ${run.lines.join(' | ')}`).toBe(false);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.lines).toEqual(['echo before unref', 'unref']);
  });

  it('ref() after unref(): the listening server keeps the process alive', async () => {
    const run = await runFixture('ref', variant.options, 1_500, true);
    expect(run.lines).toEqual(['ref']);
    expect(run.timedOut).toBe(true);
  });

  it('a server in a worker thread echoes, and after close() the worker exits by itself with code 0', async () => {
    const run = await runFixture('worker-close', variant.options, 8_000);
    expect(run.timedOut, `child did not exit: ${run.lines.join(' | ')}`).toBe(false);
    expect(run.stderr).toBe('');
    expect(run.lines).toEqual(['echo from worker', 'worker exit 0']);
    expect(run.code).toBe(0);
  });

  it('terminate() on a worker whose server is listening (client connected) does not crash; a second worker can do it again', async () => {
    const run = await runFixture('worker-terminate', variant.options, 10_000);
    expect(run.timedOut, `child did not exit: ${run.lines.join(' | ')}`).toBe(false);
    expect(run.signal).toBeNull();
    expect(run.stderr).toBe('');
    expect(run.lines).toEqual(['echo round 1', 'terminated 1', 'echo round 2', 'terminated 2']);
    expect(run.code).toBe(0);
  });
});
