/**
 * native/core/wire.h and src/wire.ts must agree: the close reason a worker
 * reports is an index into CLOSE_REASONS. Reasons are added by several
 * features at once (TLS, PROXY, WebSocket); this catches a number used twice,
 * skipped, or missing on the TypeScript side.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLOSE_REASONS } from '../src/wire';

const header = fs.readFileSync(path.join(__dirname, '..', 'native', 'core', 'wire.h'), 'utf8');

function nativeEnum(name: string): Array<[string, number]> {
  const start = header.indexOf(`enum ${name}`);
  const body = header.slice(start, header.indexOf('};', start));
  return [...body.matchAll(/\b(k\w+) = (\d+)/g)].map((m) => [m[1] as string, Number(m[2])]);
}

/** The TypeScript name where it is not the native one in kebab case. */
const RENAMED: Record<string, string> = {
  kCloseRejected: 'error', // never reaches JS: the connection was refused before it opened
  kCloseWsPeer: 'ws-closed',
  kCloseWsLocal: 'ws-ended',
  kCloseWsError: 'ws-protocol-error',
  kCloseWsRejected: 'upgrade-rejected',
};

describe('wire.h and wire.ts', () => {
  it('number every close reason once, contiguously, with the same name on both sides', () => {
    const reasons = nativeEnum('CloseReason');
    const numbers = reasons.map(([, n]) => n);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect([...numbers].sort((a, b) => a - b)).toEqual(numbers.map((_, i) => i + 1));
    expect(CLOSE_REASONS.length).toBe(numbers.length + 1); // index 0 unused
    for (const [name, n] of reasons) {
      const kebab = name.slice('kClose'.length).replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
      expect([name, CLOSE_REASONS[n]]).toEqual([name, RENAMED[name] ?? kebab]);
    }
  });
});
