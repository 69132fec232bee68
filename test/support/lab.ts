/** Shared by the lab's tests: the ringnet CLI run as a child, and a plan's usage error. */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { expect } from 'vitest';

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');

/** `node dist/cli/main.js <args>`: exit code and everything it printed. */
export function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The ERR_USAGE error `plan(argv)` throws (fails the test when it throws none, or another). */
export function usageError(plan: (argv: string[]) => unknown, argv: string[]): { flag?: string; message: string } {
  try {
    plan(argv);
  } catch (e) {
    expect((e as { code?: string }).code).toBe('ERR_USAGE');
    return e as { flag?: string; message: string };
  }
  throw new Error('expected a usage error');
}

/**
 * The A/A pair of a results file (the aa preset: a server against itself): measured over
 * `rounds` rounds, and its CPU/op ratio neither a win nor a loss, by the verdict statistic
 * and by the raw one. Returns the pair for further checks.
 */
export function expectAaNoVerdict(results: unknown, rounds: number): { a: string; b: string } {
  const requireCjs = createRequire(__filename);
  const root = path.join(__dirname, '..', '..');
  const { summarizeResults } = requireCjs(path.join(root, 'bench', 'lab', 'summary.js'));
  const { AA_LABEL } = requireCjs(path.join(root, 'bench', 'lab', 'presets.js'));
  const pair = summarizeResults(results).ratios.find((x: { kind: string }) => x.kind === 'pair');
  expect(`${pair.a} ÷ ${pair.b}`).toBe(`${AA_LABEL} ÷ ringnet-epoll`);
  const cpu = pair.figures.serverCpuUsPerOp;
  expect(cpu.rounds).toBe(rounds);
  expect(['lower', 'higher']).not.toContain(cpu.verdict);
  expect(['lower', 'higher']).not.toContain(cpu.raw.verdict);
  return pair;
}
