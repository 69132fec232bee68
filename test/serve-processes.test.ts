/**
 * `ringnet serve --processes N`: N processes share one port through
 * SO_REUSEPORT (the built CLI, dist/cli/main.js): every process listens on
 * the same port, the kernel spreads connections over them (checked with ss),
 * each serves its clients, and SIGTERM stops them all.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { describe, expect, it } from 'vitest';
import { connect, lengthFrame, readBytes } from './support/net';

const CLI = path.join(__dirname, '..', 'dist', 'cli', 'main.js');

describe('ringnet serve --processes', () => {
  it('three processes on one port: connections spread over them, all echo, SIGTERM stops every one', async () => {
    let pids: number[] = [];
    const sup = spawn(process.execPath, [CLI, 'serve', '--processes', '3', '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        readline.createInterface({ input: sup.stdout }).once('line', resolve);
        sup.once('exit', (code) => reject(new Error(`supervisor exited ${code}`)));
      });
      const ready = JSON.parse(line) as { port: number; processes: number[] };
      expect(ready.processes).toHaveLength(3);
      pids = ready.processes;
      const listeners = execFileSync('ss', ['-ltnpH', `sport = :${ready.port}`], { encoding: 'utf8' });
      const listening = new Set([...listeners.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])));
      expect([...listening].sort()).toEqual([...ready.processes].sort());

      const sockets = await Promise.all(Array.from({ length: 60 }, () => connect(ready.port)));
      for (const [i, s] of sockets.entries()) {
        s.write(lengthFrame(`hello ${i}`));
        expect((await readBytes(s, 4 + `hello ${i}`.length)).subarray(4).toString()).toBe(`hello ${i}`);
      }
      const est = execFileSync('ss', ['-tnpH', 'state', 'established', `sport = :${ready.port}`], { encoding: 'utf8' });
      const owners = new Map<number, number>();
      for (const m of est.matchAll(/pid=(\d+)/g)) owners.set(Number(m[1]), (owners.get(Number(m[1])) ?? 0) + 1);
      // The 4-tuple hash spreads 60 connections over the three processes.
      expect(owners.size).toBe(3);
      for (const s of sockets) s.destroy();
    } finally {
      const exited = new Promise((r) => sup.once('exit', r));
      sup.kill('SIGTERM');
      await exited;
    }
    // No process of the group is left.
    await new Promise((r) => setTimeout(r, 1500));
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});
